/**
 * Everything the server sends as JSON (replies and SSE data) goes through one serializer:
 *
 * - paths as a client knows them: the data dir's real path and the tasks dir's URL are taken
 *   out of every string (a record's spec.input, an error's file and message), and a module's
 *   URL is its name again, so a client sees `sales.csv` and `slow-sum`, never where the server
 *   keeps them;
 * - a task's value as JSON can hold it: a BigInt as its decimal text, a Map as an object (or,
 *   with keys that are not strings, a list of [key, value] pairs), a Set as a list.
 */
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Progress } from '../index.js';

export class Presenter {
  private readonly prefixes: string[];
  /** A module's whole URL, as a queued spec holds it: shown as the name a request gave. */
  private readonly moduleUrl: RegExp | null;

  /** `dataDir`, `tasksDir`: real paths (tasksDir may be null); a data dir in a bucket: its `s3://bucket/prefix`. */
  constructor(dataDir: string, tasksDir: string | null) {
    const bucket = /^s3:\/\//.test(dataDir);
    const prefixes = bucket ? [`${dataDir}/`] : [`${pathToFileURL(dataDir).href}/`];
    if (!bucket && dataDir !== sep) prefixes.push(dataDir + sep);
    if (tasksDir !== null) prefixes.push(`${pathToFileURL(tasksDir).href}/`, tasksDir + sep);
    // Longest first: a tasks dir inside the data dir is taken out whole.
    this.prefixes = prefixes.sort((a, b) => b.length - a.length);
    this.moduleUrl =
      tasksDir === null ? null : new RegExp(`^${escapeRegExp(pathToFileURL(tasksDir).href)}/([A-Za-z0-9_-]+)\\.m?js$`);
  }

  json(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) => this.replace(v));
  }

  private replace(value: unknown): unknown {
    if (typeof value === 'string') return this.strip(value);
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Map) {
      const keys = [...value.keys()];
      return keys.every((k) => typeof k === 'string') ? Object.fromEntries(value) : [...value.entries()];
    }
    if (value instanceof Set) return [...value];
    return value;
  }

  private strip(text: string): string {
    const name = this.moduleUrl?.exec(text)?.[1];
    if (name !== undefined) return name;
    let out = text;
    for (const prefix of this.prefixes) if (out.includes(prefix)) out = out.replaceAll(prefix, '');
    return out;
  }
}

/**
 * A job's progress as the API sends it: its times and rate as whole numbers, as the docs show
 * them. The engine's tracker measures with performance.now(), so the store keeps fractions (an
 * etaMs of 569.8731) that no client needs.
 */
export function wholeProgress(p: Progress): Progress {
  return {
    ...p,
    elapsedMs: Math.round(p.elapsedMs),
    bytesPerSec: Math.round(p.bytesPerSec),
    etaMs: p.etaMs === null ? null : Math.round(p.etaMs),
  };
}

/** A job record as the API sends it (its progress in whole numbers). */
export function presentJob<J extends { progress: Progress | null }>(job: J): J {
  return job.progress === null ? job : { ...job, progress: wholeProgress(job.progress) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
