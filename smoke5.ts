import { startPostgres } from './support/postgres-server.ts';
import { openQueue, createEngine, count } from 'chunkmill';
const pgs = await startPostgres();
const url = (await pgs.createDatabase('t')) + '?schema=x';
const t = performance.now();
const lap = (w: string) => console.log((performance.now() - t).toFixed(0), w);
const q = openQueue(url);
const engines = [await createEngine({ store: url, workers: 1, concurrency: 2 }), await createEngine({ store: url, workers: 1, concurrency: 2 })];
lap('engines');
const ids: string[] = [];
for (let i = 0; i < 40; i++) ids.push((await q.add({ input: '/tmp/smoke/small.csv', aggregate: { measures: { n: count() } } })).id);
lap('added');
for (const id of ids) for (;;) { const j = await q.get(id); if (j!.state === 'succeeded') break; await new Promise(r => setTimeout(r, 20)); }
lap('done');
await Promise.all(engines.map((e) => e.close()));
lap('closed');
for (const id of ids) { for await (const e of q.watch(id)) {} }
lap('watched');
await q.close(); await pgs.stop();
