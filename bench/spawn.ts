/**
 * Bench modules in fresh Node processes (see boot.mjs for why not through tsx): runModule for a
 * module that sends back one message over IPC, runGroup for configurations (child.ts) timed in
 * interleaved rounds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConfigCommand, ConfigMessage, ConfigResult, ConfigSpec } from './child.ts';

const BOOT = fileURLToPath(new URL('./boot.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

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

/** One configuration alone: its runs back to back. */
export async function runConfig(spec: ConfigSpec): Promise<ConfigResult> {
  const [result] = await runGroup([spec]);
  return result!;
}

/**
 * Configurations measured together: a process each (child.ts), started one after another, then
 * warmed up (`warmup` untimed runs) and timed one run at a time in rounds, A B C, A B C ...,
 * until each has its `iterations`, so drift on a shared machine hits each alike (their ratios
 * are the figures the bench is read for). The same order every round: then every configuration
 * waits the same between its runs, the others' runs once each, which keeps a kept pool's gap
 * under the 5 s it is kept where a round takes less; reversed (A B C C B A) or rotated (A B C,
 * B C A), some configurations wait nearly two rounds now and then. Only one process runs at a
 * time; the others wait idle. Results in the order of `specs`.
 */
export async function runGroup(specs: ConfigSpec[]): Promise<ConfigResult[]> {
  const started: ConfigProcess[] = [];
  try {
    for (const spec of specs) started.push(await ConfigProcess.start(spec));
    const warmups = Math.max(...specs.map((s) => s.warmup));
    const rounds = warmups + Math.max(...specs.map((s) => s.iterations));
    for (let round = 0; round < rounds; round++)
      for (const config of started) {
        // Its warm-ups in the rounds before its timed runs (as many as it asks for), then those.
        const { warmup, iterations } = config.spec;
        if (round >= warmups - warmup && round < warmups) await config.warm();
        else if (round >= warmups && config.runs < iterations) await config.run();
      }
    const results: ConfigResult[] = [];
    for (const config of started) results.push(await config.finish());
    return results;
  } finally {
    for (const config of started) config.kill();
  }
}

/** A child.ts process, driven one command at a time. */
class ConfigProcess {
  runs = 0;
  private waiting: { resolve: (m: ConfigMessage) => void; reject: (e: Error) => void } | null = null;
  private ended: Error | null = null;

  private constructor(
    readonly spec: ConfigSpec,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m) => {
      const waiting = this.waiting;
      this.waiting = null;
      if (waiting === null) return;
      const message = m as ConfigMessage;
      if ('error' in message) waiting.reject(new Error(message.error));
      else waiting.resolve(message);
    });
    const end = (why: Error) => {
      this.ended ??= why;
      this.waiting?.reject(why);
      this.waiting = null;
    };
    child.on('error', end);
    child.on('exit', (code, signal) => end(new Error(`${spec.label}: exited with ${signal ?? `code ${code}`}`)));
  }

  /** Resolves once the process has loaded its modules. */
  static async start(spec: ConfigSpec): Promise<ConfigProcess> {
    const child = fork(BOOT, [CHILD, JSON.stringify(spec)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const config = new ConfigProcess(spec, child);
    await config.next();
    return config;
  }

  async warm(): Promise<void> {
    const m = await this.next({ op: 'warm' });
    if (!('ms' in m)) throw new Error(`${this.spec.label}: expected a warm-up's time, got ${JSON.stringify(m)}`);
  }

  async run(): Promise<number> {
    const m = await this.next({ op: 'run' });
    if (!('ms' in m)) throw new Error(`${this.spec.label}: expected a run's time, got ${JSON.stringify(m)}`);
    this.runs++;
    return m.ms;
  }

  async finish(): Promise<ConfigResult> {
    const m = await this.next({ op: 'finish' });
    if (!('result' in m)) throw new Error(`${this.spec.label}: expected its result, got ${JSON.stringify(m)}`);
    return m.result;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  /** Sends `command` (none: waits for `ready`) and resolves with the process's answer. */
  private next(command?: ConfigCommand): Promise<ConfigMessage> {
    if (this.ended !== null) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      if (command !== undefined) this.child.send(command);
    });
  }
}
