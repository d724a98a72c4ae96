/**
 * A client's job spec (schemas.ts has its shape) as the queue's: every path it names resolved
 * inside the data dir, every module it names resolved in the tasks dir, before the queue sees
 * it. The queue then checks the rest (validate(): measures, columns of the options, bounds) and
 * refuses a bad spec with ERR_INVALID_OPTION naming the option.
 */
import type { JobSpec } from '../index.js';
import { badRequest } from './http-error.js';
import type { ServerContext } from './server-context.js';

export interface RequestSpec {
  input: string;
  task?: string;
  transform?: string;
  output?: { path: string; format?: string; columns?: string[] };
  rejects?: string;
  [option: string]: unknown;
}

export async function queueSpec(spec: RequestSpec, ctx: Pick<ServerContext, 'dataDir' | 'modules'>): Promise<JobSpec> {
  const { dataDir, modules } = ctx;
  const out: Record<string, unknown> = { ...spec, input: await dataDir.existing(spec.input, 'spec.input') };
  const written: [string, string][] = [];
  if (spec.output !== undefined) {
    const path = await dataDir.writable(spec.output.path, 'spec.output.path');
    out.output = { ...spec.output, path };
    written.push(['spec.output.path', path]);
  }
  if (spec.rejects !== undefined) {
    out.rejects = await dataDir.writable(spec.rejects, 'spec.rejects');
    written.push(['spec.rejects', out.rejects as string]);
  }
  for (const [field, path] of written)
    if (path === out.input) throw badRequest(field, "is the job's input: a job must not write over what it reads");
  if (spec.task !== undefined) out.task = await modules.resolve(spec.task, 'spec.task');
  if (spec.transform !== undefined) out.transform = await modules.resolve(spec.transform, 'spec.transform');
  return out as unknown as JobSpec;
}
