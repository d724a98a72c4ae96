/**
 * Loading a user module (defineTask / defineTransform) and checking its default export. A module
 * is imported once per thread: in each worker, and on the coordinator (for combine, finalize and
 * columns, and so that a bad module fails before any worker starts).
 */
import type { TaskDefinition, TransformDefinition } from '../../api/tasks.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChunkmillError, messageOf } from '../../errors.js';

export type UserKind = 'task' | 'transform';
// Definitions are checked on load; `any` here is the accumulator, unknown to the engine.
// biome-ignore lint/suspicious/noExplicitAny: the accumulator, result and params of a loaded module are unknown to the engine
export type AnyTask = TaskDefinition<any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: a transform's params are the module's business
export type AnyTransform = TransformDefinition<any>;

const modules = new Map<string, Promise<AnyTask | AnyTransform>>();

/**
 * Imports a module once per thread and checks its default export. `url` is what is imported (an
 * instance URL, see instance.ts); `shown` is the module's own URL, for messages.
 */
export function loadDefinition(url: string, kind: 'task', shown?: string): Promise<AnyTask>;
export function loadDefinition(url: string, kind: 'transform', shown?: string): Promise<AnyTransform>;
export function loadDefinition(url: string, kind: UserKind, shown = url): Promise<AnyTask | AnyTransform> {
  const key = `${kind} ${url}`;
  let loading = modules.get(key);
  if (loading === undefined) {
    loading = import(url).then(
      (module: { default?: unknown }) => checkDefinition(module.default, shown, kind),
      (e: unknown) => {
        throw loadError(shown, kind, e);
      },
    );
    modules.set(key, loading);
  }
  return loading;
}

/**
 * Why a module did not load, in the user's terms: a file that is not there is named by its path
 * (a path was given and resolved; "Cannot find module" would suggest it was not); a TypeScript
 * file needs compiling first; anything else keeps the loader's own message.
 */
function loadError(url: string, kind: UserKind, e: unknown): ChunkmillError {
  const path = url.startsWith('file:') ? fileURLToPath(url) : undefined;
  if (path !== undefined && !existsSync(path))
    return new ChunkmillError(
      { code: 'ERR_TASK_LOAD', file: path, message: `The ${kind} module ${path} does not exist` },
      { cause: e },
    );
  const typescript = path !== undefined && /\.[cm]?ts$/.test(path);
  return new ChunkmillError(
    {
      code: 'ERR_TASK_LOAD',
      message: `Cannot load the ${kind} module ${path ?? url}: ${messageOf(e)}`,
      hint: typescript
        ? 'workers run JavaScript: compile the module (tsc) and give the .js file'
        : 'give a path or a file: URL of an ES module of compiled JavaScript',
    },
    { cause: e },
  );
}

function checkDefinition(value: unknown, url: string, kind: UserKind): AnyTask | AnyTransform {
  const needed = kind === 'task' ? ['init', 'reduce', 'combine'] : ['transform'];
  const optional = kind === 'task' ? ['setup', 'finalize'] : ['setup'];
  const shape = kind === 'task' ? 'defineTask({ init, reduce, combine })' : 'defineTransform({ transform })';
  const fail = (what: string) =>
    new ChunkmillError({
      code: 'ERR_TASK_INVALID',
      message: `The ${kind} module ${url} ${what}; its default export must be ${shape}`,
    });
  if (value === null || typeof value !== 'object')
    throw fail(value === undefined ? 'has no default export' : `default-exports ${typeof value}`);
  const record = value as Record<string, unknown>;
  for (const name of needed) if (typeof record[name] !== 'function') throw fail(`has no ${name}() function`);
  for (const name of optional)
    if (record[name] !== undefined && typeof record[name] !== 'function')
      throw fail(`has a ${name} that is not a function`);
  if (
    kind === 'transform' &&
    record.columns !== undefined &&
    typeof record.columns !== 'function' &&
    !isStringArray(record.columns)
  )
    throw fail('has columns that are neither names nor a function');
  return value as AnyTask | AnyTransform;
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
