// Preloaded into a measured chunkmill CLI process (`node --import ./bench/usage-hook.mjs
// dist/cli/main.js ...`, versus.ts): at exit, the process's CPU time (every thread's) and peak RSS
// go as JSON to the file named by CHUNKMILL_BENCH_USAGE. Node reports no resource usage of a child
// process to its parent, and /usr/bin/time is not on every machine.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const target = process.env.CHUNKMILL_BENCH_USAGE;
if (isMainThread && target) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, peakRssMiB: u.maxRSS / 1024 }),
    );
  });
}
