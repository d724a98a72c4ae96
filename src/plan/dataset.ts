/**
 * A dataset: the files or objects one job reads as one input, in a defined order. The input may
 * name one file, one object (`s3://bucket/key`, `https://host/path`), a glob of either
 * (`exports/2026-*.csv`, `s3://bucket/logs/*.csv.gz`), or (from code, or as several CLI
 * arguments) a list of those. Expansion happens here, at plan time: each glob's matches are taken
 * sorted by name (code point order, as `ls` in the C locale and DuckDB do), the list in the order
 * given. The answer is the serial parse of the sources concatenated, headers not repeated.
 */
import { isAbsolute, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { confinementBreach, type Confinement } from '../api/confinement.js';
import { ChunkmillError, pathForbidden } from '../errors.js';
import type { ObjectInfo } from '../remote/object-info.js';
import type { DatasetSource } from '../input/dataset-source.js';
import { compareCodePoints } from '../kinds/filter/value-test.js';
import { isObjectGlob } from '../remote/object-list.js';
import { displayUrl, isObjectUrl } from '../remote/object-url.js';
import type { S3Settings } from '../api/s3-settings.js';

/** Globs are expanded a few at a time: a list of 10,000 names must not open 10,000 listings. */
const EXPAND_AT_ONCE = 8;

/** The sources that `patterns` name, in dataset order; a pattern that matches nothing is an error naming it. */
export async function expandDataset(
  patterns: readonly string[],
  s3: S3Settings | undefined,
  confinement: Confinement | undefined,
): Promise<DatasetSource[]> {
  const expanded: DatasetSource[] = [];
  for (let i = 0; i < patterns.length; i += EXPAND_AT_ONCE) {
    const batch = patterns.slice(i, i + EXPAND_AT_ONCE);
    for (const list of await Promise.all(batch.map((p) => expandOne(p, s3, confinement)))) expanded.push(...list);
  }
  return expanded;
}

async function expandOne(
  pattern: string,
  s3: S3Settings | undefined,
  confinement: Confinement | undefined,
): Promise<DatasetSource[]> {
  if (isObjectUrl(pattern)) {
    // Loaded on first use: a job over local files never pays for the S3 client.
    if (!isObjectGlob(pattern)) {
      const { statObject } = await import('../remote/object-stat.js');
      return [objectSource(await statObject(pattern, s3))];
    }
    const { listObjects } = await import('../remote/object-list.js');
    return (await listObjects(pattern, s3)).map(objectSource); // sorted by key
  }
  if (!isDynamicPattern(pattern)) return [{ name: pattern }];
  if (confinement !== undefined) checkGlobBase(pattern, confinement);
  // Confined: no symlinked folder is followed, so a listing cannot wander out through one.
  const matches = await glob([pattern], {
    onlyFiles: true,
    expandDirectories: false,
    dot: false,
    followSymbolicLinks: confinement === undefined,
    // Matches in the form the pattern was written in: absolute, or relative to the working folder.
    absolute: isAbsolute(pattern),
  });
  if (matches.length === 0) {
    throw new ChunkmillError({
      code: 'ERR_FILE_NOT_FOUND',
      file: pattern,
      message: `No file matches ${pattern}`,
      hint: 'quote a glob in the shell, so that chunkmill expands it and sees the pattern',
    });
  }
  return byName(matches.map((name) => ({ name })));
}

/** An object as a source: messages name it without what its URL may hide (a password, a signed query). */
function objectSource(object: ObjectInfo): DatasetSource {
  return { name: displayUrl(object.url), object };
}

function byName(sources: DatasetSource[]): DatasetSource[] {
  return sources.sort((a, b) => compareCodePoints(a.name, b.name));
}

/**
 * A confined job's glob must not look outside the data dir at all (its matches would each be
 * refused at open, but the listing itself would reveal names): the part before the first
 * wildcard, resolved, must lie inside the root. Each match is proven inside again when opened.
 */
function checkGlobBase(pattern: string, confinement: Confinement): void {
  const base = resolve(pattern.split(/[*?[{]/, 1)[0]!);
  if (pattern.split(/[\\/]/).includes('..') || confinementBreach(base + sep, confinement, true) !== null)
    throw pathForbidden(pattern, 'read', 'it leads outside the data dir');
}
