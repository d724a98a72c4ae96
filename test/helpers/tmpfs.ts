/**
 * Small real file systems for tests that need a full disk: a tmpfs of a given size, mounted on a
 * temp folder (the tests run as root, as CI does), unmounted after the test file. Where mount is
 * not allowed the test fails with mount's own message: a full-disk check is never skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const mounted: string[] = [];
// Registered at import (vitest ignores an afterAll called inside a test). Lazy: a server of the
// test may still hold a file open there until its own clean-up closes it.
afterAll(() => {
  for (const dir of mounted.splice(0)) {
    spawnSync('umount', ['-l', dir]);
    rmdirSync(dir);
  }
});

/** Mounts a tmpfs of `size` (e.g. '1m') on a new temp folder and returns the folder. */
export function mountTmpfs(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'chunkmill-tmpfs-'));
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.status !== 0) {
    rmdirSync(dir);
    throw new Error(`mount -t tmpfs failed: ${result.stderr}`);
  }
  mounted.push(dir);
  return dir;
}
