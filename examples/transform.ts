// Runs the transform shout.ts on every core: node examples/dist/transform.js sales.csv out.csv
import { processDataset } from 'chunkmill';

const [input = 'sales.csv', output = 'out.csv'] = process.argv.slice(2);

const { rowsIn, rowsOut, bytesWritten } = await processDataset({
  input,
  transform: new URL('./shout.js', import.meta.url), // the compiled module
  output: { path: output }, // or { stream: someWritable }; the format comes from the extension
}).result;
console.log(`${rowsIn} rows in, ${rowsOut} rows out, ${bytesWritten} bytes written to ${output}`);
