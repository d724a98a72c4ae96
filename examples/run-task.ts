// Runs the task module long-orders.ts on every core: node examples/dist/run-task.js sales.csv
import { processDataset, taskModule } from 'chunkmill';
import type { LongOrdersParams } from './long-orders.js';

// taskModule carries the module's result type to job.result; the URL is the compiled module.
const task = taskModule<typeof import('./long-orders.js')>(new URL('./long-orders.js', import.meta.url));
const params: LongOrdersParams = { min: 10 };

const job = processDataset({ input: process.argv[2] ?? 'sales.csv', task, params });
job.on('log', ({ chunkIndex, message }) => console.error(chunkIndex, message));

const { value } = await job.result; // typed: { orders: number; long: number; share: number | null }
console.log(JSON.stringify(value));
