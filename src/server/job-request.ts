/**
 * A client's job spec (schemas.ts has its shape) as the queue's: every path it names resolved
 * inside the data dir, every module it names resolved in the tasks dir, before the queue sees
 * it. An aggregate's columns are checked against the input's header (column-check.ts). The queue
 * then checks the rest (validate(): measures, columns of the options, bounds) and refuses a bad
 * spec with ERR_INVALID_OPTION naming the option.
 */
import { isDynamicPattern } from 'tinyglobby';
import { type HttpSpec, isObjectUrl, type StoredSpec } from '../internal.js';
import { checkColumns } from './column-check.js';
import { badRequest } from './http-error.js';
import type { ServerContext } from './server-context.js';

/** A client's spec (the job model's `http` surface) as the queue's (its `queue` surface): the same fields, paths resolved. */
export async function queueSpec(
  spec: HttpSpec,
  ctx: Pick<ServerContext, 'dataDir' | 'modules' | 'allowInput'>,
): Promise<StoredSpec> {
  const { dataDir, modules } = ctx;
  const out: StoredSpec = { ...spec, input: await dataDir.input(spec.input, 'spec.input', ctx.allowInput) };
  const written: [string, string][] = [];
  if (spec.output !== undefined) {
    const path = await dataDir.writable(spec.output.path, 'spec.output.path');
    out.output = { ...spec.output, path };
    written.push(['spec.output.path', path]);
  }
  if (spec.rejects !== undefined) {
    out.rejects = await dataDir.writable(spec.rejects, 'spec.rejects');
    written.push(['spec.rejects', out.rejects]);
  }
  for (const [field, path] of written)
    if (path === out.input) throw badRequest(field, "is the job's input: a job must not write over what it reads");
  if (spec.task !== undefined) out.task = await modules.resolve(spec.task, 'spec.task');
  if (spec.transform !== undefined) out.transform = await modules.resolve(spec.transform, 'spec.transform');
  // A file's header is read here, and an object's in a bucket data dir; a glob's or an allowed
  // URL's when the job is planned.
  const dir = ctx.dataDir;
  const single =
    dir.kind === 'bucket'
      ? !isObjectUrl(spec.input) && !dir.isPattern(spec.input)
      : !isObjectUrl(out.input) && !isDynamicPattern(spec.input);
  if (single) await checkColumns(spec, out.input);
  return out;
}
