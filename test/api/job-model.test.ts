/**
 * The job model (src/api/job-model/) is the one description of a job's options: what it says
 * about a field must be what every surface does. Each test reads the model and checks a real
 * surface against it: processDataset's validate(), queue.add() on a real SQLite store, and
 * POST /api/jobs on a real server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { count, openQueue, processDataset, type JobSpec } from 'chunkmill';
import {
  JOB_FIELDS,
  JOB_FIELD_NAMES,
  QUEUE_REFUSED,
  specSchemaOn,
  type Field,
  type Surface,
} from '../../src/api/job-model/index.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { startTestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const aggregate = { measures: { n: count() } };
const fields = Object.entries(JOB_FIELDS) as [string, Field & Record<string, unknown>][];
const on = (field: Field, surface: Surface) => (field['x-on'] as readonly Surface[]).includes(surface);

test('every field is documented in one line and allowed from code; the rest of its surfaces are a choice', () => {
  for (const [name, field] of fields) {
    expect(field.description, name).toMatch(/^[^\n]{10,120}$/);
    expect(on(field, 'options'), name).toBe(true);
    // A field over HTTP is a field of a queued job: the server queues what it accepts.
    if (on(field, 'http')) expect(on(field, 'queue'), name).toBe(true);
  }
  expect(JOB_FIELD_NAMES[0]).toBe('input');
});

test("validate() refuses an unknown option and lists the model's fields, in the model's order", async () => {
  const error = await rejectionOf(processDataset({ input: 'x.csv', aggregate, colour: 'red' } as never).result);
  expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'colour' });
  expect((error as Error).message).toContain(`the options are ${JOB_FIELD_NAMES.join(', ')}`);
});

test("a field's bounds in the model are the library's: its largest value passes, one beyond fails", async () => {
  const csv = join(tmp.dir, 'small.csv');
  writeFileSync(csv, 'a,b\n1,2\n3,4\n');
  const bounded = fields.filter(([, f]) => f.type === 'integer' && f.maximum !== undefined && f['x-shaped'] !== true);
  expect(bounded.map(([name]) => name)).toEqual(expect.arrayContaining(['chunkSize', 'maxRecordSize', 'timeout']));
  for (const [name, field] of bounded) {
    const within = await processDataset({ input: csv, aggregate, workers: 1, [name]: field.maximum }).result;
    expect(within.rows, name).toEqual([{ n: 2 }]);
    const error = await rejectionOf(
      processDataset({ input: csv, aggregate, workers: 1, [name]: (field.maximum as number) + 1 }).result,
    );
    expect(error, name).toMatchObject({ code: 'ERR_INVALID_OPTION', option: name });
    expect((error as Error).message, name).toContain(`from ${field.minimum} to ${field.maximum}`);
  }
});

test('a queued job refuses exactly the fields the model keeps off its surface, saying why', async () => {
  const queue = openQueue(join(tmp.dir, 'refused.db'));
  try {
    const refused = fields.filter(([, f]) => !on(f, 'queue')).map(([name]) => name);
    expect(Object.keys(QUEUE_REFUSED).sort()).toEqual([...refused].sort());
    const values: Record<string, unknown> = {
      signal: new AbortController().signal,
      workerResourceLimits: { maxOldGenerationSizeMb: 64 },
      checkpoint: 'x.journal',
      cluster: { redis: 'redis://127.0.0.1:6379' },
      s3: { region: 'eu-west-1' },
    };
    for (const name of refused) {
      expect(values[name], `a value for ${name}`).toBeDefined();
      const error = await rejectionOf(queue.add({ input: 'x.csv', aggregate, [name]: values[name] } as JobSpec));
      expect(error, name).toMatchObject({ code: 'ERR_INVALID_OPTION', option: name });
      expect((error as Error).message).toContain(QUEUE_REFUSED[name as keyof typeof QUEUE_REFUSED]);
    }
    expect((await queue.list()).jobs).toEqual([]);
  } finally {
    await queue.close();
  }
});

test('POST /api/jobs takes the fields on the http surface, with their http bounds, and refuses the others by name', async () => {
  const t = await startTestServer();
  writeFileSync(join(t.data, 'sales.csv'), 'region,amount\nnorth,1\nsouth,2\n');
  const schema = specSchemaOn('http') as { properties: Record<string, Record<string, unknown>> };
  const post = (spec: Record<string, unknown>) =>
    t.json('POST', '/api/jobs', { spec: { input: 'sales.csv', aggregate, ...spec } });
  for (const [name, field] of fields) {
    if (on(field, 'http')) {
      expect(schema.properties[name], name).toBeDefined();
      continue;
    }
    expect(schema.properties[name], name).toBeUndefined();
    const { status, body } = await post({ [name]: 'x' });
    expect(status, name).toBe(400);
    expect(body, name).toMatchObject({ error: { code: 'ERR_INVALID_REQUEST', field: `spec.${name}` } });
  }
  // chunkSize: the library takes 1 byte, a client at least the model's http minimum.
  const http = (JOB_FIELDS.chunkSize as unknown as { 'x-http': { minimum: number } })['x-http'];
  expect((await post({ chunkSize: http.minimum - 1 })).body).toMatchObject({ error: { field: 'spec.chunkSize' } });
  expect((await post({ chunkSize: http.minimum })).status).toBe(202);
  // A measure holds its kind and column and nothing else, over HTTP as from code.
  const extra = await post({ aggregate: { measures: { n: { kind: 'count', foo: 'bar' } } } });
  expect(extra.body).toMatchObject({ error: { code: 'ERR_INVALID_REQUEST', field: 'spec.aggregate.measures.n.foo' } });
  const column = await post({ aggregate: { measures: { n: { kind: 'count', column: 'amount' } } } });
  expect(column.body).toMatchObject({ error: { code: 'ERR_INVALID_OPTION', option: 'aggregate.measures.n.column' } });
});
