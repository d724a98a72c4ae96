/**
 * The worker's end of a chunk's control channel: ctx.log / ctx.progress over comlink to the
 * coordinator. Progress is throttled: each call is a message round trip. The comlink proxy is
 * made on first use, so a chunk whose task never logs makes none and its flush costs no round trip.
 * comlink itself is imported then too: loading it cost every worker thread's start ~10 ms, and
 * only a job whose user code logs or reports progress uses it.
 */
import type { MessagePort } from 'node:worker_threads';
import type * as Comlink from 'comlink';
import type { ControlApi } from '../exec/protocol.js';
import type { ControlChannel } from '../kinds/user/context.js';

/** At most one progress message per chunk per 50 ms: a bar needs no more, and each costs a round trip. */
const PROGRESS_EVERY_MS = 50;

export class RemoteChannel implements ControlChannel {
  /** The proxy once comlink is loaded; calls go through it at once, as they are made. */
  private remote: Comlink.Remote<ControlApi> | null = null;
  /** comlink on its way (the first use): calls made meanwhile wait on it, in call order. */
  private loading: Promise<Comlink.Remote<ControlApi>> | null = null;
  private lastProgress = -Infinity;

  constructor(private readonly port: MessagePort) {}

  private send(call: (remote: Comlink.Remote<ControlApi>) => unknown): void {
    if (this.remote !== null) {
      void call(this.remote);
      return;
    }
    this.loading ??= import('comlink').then((c) => {
      this.remote = c.wrap<ControlApi>(this.port as unknown as Comlink.Endpoint);
      return this.remote;
    });
    void this.loading.then(call);
  }

  log(chunkIndex: number, message: string): void {
    this.send((remote) => remote.log(chunkIndex, message));
  }

  progress(chunkIndex: number, value: unknown): void {
    const now = performance.now();
    if (now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    // Sent later while comlink loads: a copy now, so the value is the one it was at the call.
    const sent = this.remote === null ? snapshot(value) : value;
    this.send((remote) => remote.progress(chunkIndex, sent));
  }

  /** Waits until the coordinator has seen every message sent so far, then lets go of the port. */
  async flush(): Promise<void> {
    const remote = this.remote ?? (await this.loading);
    if (remote !== null) await remote.flush();
    this.port.close();
  }
}

/** A structured clone of `value`, or `value` itself where it has none (its send then fails, as before). */
function snapshot(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
