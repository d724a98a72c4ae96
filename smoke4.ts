import { startPostgres } from './support/postgres-server.ts';
import { openQueue, count } from 'chunkmill';
import pg from 'pg';
const pgs = await startPostgres();
const url = (await pgs.createDatabase('t')) + '?schema=x';
const q = openQueue(url);
await q.lastEventId();
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) await q.add({ input: '/tmp/smoke/small.csv', aggregate: { measures: { n: count() } } });
  console.log('add ms', ((performance.now() - t0) / 50).toFixed(2));
}
const c = new pg.Client(url.replace('?schema=x', '')); await c.connect();
let t0 = performance.now();
for (let i = 0; i < 100; i++) await c.query('SELECT 1');
console.log('RT ms', ((performance.now() - t0) / 100).toFixed(2));
t0 = performance.now();
for (let i = 0; i < 50; i++) { await c.query('BEGIN'); await c.query('INSERT INTO x.job_events (job_id, at, type, data) VALUES (1,1,$1,$2)', ['a','b']); await c.query('COMMIT'); }
console.log('sync tx ms', ((performance.now() - t0) / 50).toFixed(2));
await c.end(); await q.close(); await pgs.stop();
