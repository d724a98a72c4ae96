/**
 * The WebAssembly module's exports (built to dist/csv/scan.wasm by `npm run build`; loaded by
 * src/csv/wasm-scan.ts): the CSV record loop and a summary's quote parity (scan.ts), and the JSON
 * and whole-line CSV writer of the built-in select's records (write-record.ts). Only what this file exports is exported.
 */
export { VERSION, begin, layout, next, quoteParity } from './scan';
export { writerLayout, writerPlan, writeCsvWhole, writeJson } from './write-record';
