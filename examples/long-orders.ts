// A task module: of all orders, how many have at least `min` items. Its default export is what
// every worker thread imports (compiled: long-orders.js); run-task.ts runs it.
import { defineTask } from 'chunkmill';

export interface LongOrdersParams {
  min: number;
}

export default defineTask<LongOrdersParams>()({
  // Optional, once per worker thread.
  setup(ctx) {
    ctx.log(`worker ${ctx.threadId} ready`);
  },
  // A fresh accumulator per chunk.
  init: () => ({ orders: 0, long: 0 }),
  // Per row, in the worker threads; return acc or change it in place.
  reduce(acc, row, ctx) {
    acc.orders++;
    if ((row.number('quantity') ?? 0) >= ctx.params.min) acc.long++;
  },
  // Associative; called on the coordinator in chunk order: (earlier, later).
  combine: (a, b) => ({ orders: a.orders + b.orders, long: a.long + b.long }),
  finalize: (acc) => ({ ...acc, share: acc.orders ? acc.long / acc.orders : null }),
});
