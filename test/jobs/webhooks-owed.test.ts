/**
 * Webhooks for the ends no engine's run writes: a job cancelled while queued (by another process,
 * one by one or in bulk) and a job a lease recovery fails (its engine died once too often). The
 * store marks such an end as owed; an engine with webhooks takes each once and delivers it, with
 * the job's labels, and logs the delivery as for its own runs. A real receiver on loopback, both
 * stores.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { count, createEngine, openQueue } from 'chunkmill';
import { settle } from '../helpers/events.ts';
import { storeKinds } from '../helpers/stores.ts';

const spec = { input: '/data/never-read.csv', aggregate: { measures: { n: count() } } };

describe.each(storeKinds())('$name store', (kind) => {
  test('cancelled while queued (one, and in bulk) and failed by a lease recovery: each delivered once', {
    timeout: 60_000,
  }, async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const store = await kind.fresh('owed');
    const queue = openQueue(store); // another connection than the engine's: as a CLI or an API replica
    const later = { delay: 3_600_000 };
    const one = await queue.add(spec, { ...later, name: 'one', meta: { userId: 'u-7' } });
    const lost = await queue.add(spec, { attempts: 1 });
    // Its engine "dies" holding it: its lease is short and never renewed, its one attempt spent.
    expect((await queue.store.claim('dead-engine', 50, Date.now()))!.job.id).toBe(lost.id);
    const bulk = [await queue.add(spec, later), await queue.add(spec, later)];
    const engine = await createEngine({ store, workers: 1, webhooks: [{ url, secret: 'whsec' }] });
    try {
      expect(await queue.cancel(one.id)).toBe('cancelled');
      expect((await queue.bulk('cancel', 'queued')).done).toEqual(bulk.map((j) => j.id));
      for (const end = Date.now() + 20_000; bodies.length < 4; await settle(20))
        if (Date.now() > end) throw new Error(`only ${bodies.length} deliveries came`);
      await settle(300); // a duplicate would come about now
      const byId = new Map(bodies.map((b) => [b.id, b]));
      expect(bodies).toHaveLength(4);
      expect(byId.get(one.id)).toMatchObject({
        event: 'job.cancelled',
        name: 'one',
        meta: { userId: 'u-7' },
        summary: { error: { code: 'ABORT_ERR' } },
      });
      for (const job of bulk) expect(byId.get(job.id)).toMatchObject({ event: 'job.cancelled' });
      expect(byId.get(lost.id)).toMatchObject({ event: 'job.failed', summary: { error: { code: 'ERR_JOB_LOST' } } });
      for (;;) {
        const hooks = (await queue.store.events(one.id, 0, 100)).filter((e) => e.type === 'webhook');
        if (hooks.length > 0) {
          expect(hooks[0]!.data).toMatchObject({
            event: 'job.cancelled',
            attempt: 1,
            status: 200,
            outcome: 'delivered',
          });
          break;
        }
        await settle(20);
      }
    } finally {
      await engine.close();
      await queue.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
