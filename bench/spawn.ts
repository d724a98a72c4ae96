/**
 * Runs a bench module in a fresh Node process (see boot.mjs for why not through tsx) and
 * returns the one message it sends back over IPC.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConfigResult, ConfigSpec } from './child.ts';

const BOOT = fileURLToPath(new URL('./boot.mjs', import.meta.url));

export function runModule<T>(module: string, args: string[]): Promise<T> {
  const script = fileURLToPath(new URL(module, import.meta.url));
  return new Promise((resolve, reject) => {
    // execArgv: [] so that neither this process's tsx loader nor anything else reaches the
    // engine's worker threads; stdout/stderr pass through so a crash is visible.
    const child = fork(BOOT, [script, ...args], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let message: { result?: T; error?: string } | undefined;
    child.on('message', (m) => (message = m as typeof message));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (message?.result !== undefined) resolve(message.result);
      else reject(new Error(message?.error ?? `${module} exited with ${signal ?? `code ${code}`} and no result`));
    });
  });
}

export function runConfig(spec: ConfigSpec): Promise<ConfigResult> {
  return runModule<ConfigResult>('./child.ts', [JSON.stringify(spec)]);
}
