/**
 * property-fastcsv.test.ts again, with the JavaScript scanner alone (CHUNKMILL_SCANNER=js): the
 * engine reads through the WebAssembly SIMD index wherever it can run (src/csv/wasm-scan.ts), so
 * without this file the JavaScript reference would go untested end to end. The variable is set
 * before the engine is loaded; the worker threads inherit it.
 */
import { expect, test } from 'vitest';

process.env.CHUNKMILL_SCANNER = 'js';
const { wasmScan } = await import('../../dist/csv/wasm-scan.js');
await import('./property-fastcsv.test.ts');

test('this file runs the JavaScript scanner', () => {
  expect(wasmScan()).toBeNull();
});
