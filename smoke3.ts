import { startPostgres } from './support/postgres-server.ts';
import { openQueue, createEngine, count } from 'chunkmill';
import { writeFileSync } from 'node:fs';
const pgs = await startPostgres();
const url = (await pgs.createDatabase('t')) + '?schema=x';
writeFileSync('/tmp/smoke/small.csv', 'k,v\na,1\nb,2\n');
const q = openQueue(url);
const engines = [await createEngine({ store: url, workers: 1, concurrency: 2 }), await createEngine({ store: url, workers: 1, concurrency: 2 })];
const t0 = performance.now();
for (const e of engines) { e.on('claimed', ({ job }) => console.log((performance.now() - t0).toFixed(0), e.id.slice(-4), 'claimed', job.id)); e.on('ended', (id) => console.log((performance.now() - t0).toFixed(0), e.id.slice(-4), 'ended', id)); e.on('error', (err) => console.log('ERR', err.message)); }
const ids = [];
for (let i = 0; i < 10; i++) ids.push((await q.add({ input: '/tmp/smoke/small.csv', aggregate: { measures: { n: count() } } })).id);
console.log((performance.now() - t0).toFixed(0), 'added');
for (;;) { const c = await q.counts(); if (c.succeeded === 10) break; await new Promise(r => setTimeout(r, 20)); }
console.log((performance.now() - t0).toFixed(0), 'all done');
for (const e of engines) await e.close();
await q.close(); await pgs.stop();
