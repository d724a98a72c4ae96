/**
 * The worker's end of a chunk's control channel: ctx.log / ctx.progress over comlink to the
 * coordinator. Progress is throttled: each call is a message round trip. The comlink proxy is
 * made on first use, so a chunk whose task never logs makes none and its flush costs no round trip.
 */
import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { ControlApi } from '../exec/protocol.js';
import type { ControlChannel } from '../kinds/user/context.js';

/** At most one progress message per chunk per 50 ms: a bar needs no more, and each costs a round trip. */
const PROGRESS_EVERY_MS = 50;

export class RemoteChannel implements ControlChannel {
  private remote: Comlink.Remote<ControlApi> | null = null;
  private lastProgress = -Infinity;

  constructor(private readonly port: MessagePort) {}

  private api(): Comlink.Remote<ControlApi> {
    this.remote ??= Comlink.wrap<ControlApi>(this.port as unknown as Comlink.Endpoint);
    return this.remote;
  }

  log(chunkIndex: number, message: string): void {
    void this.api().log(chunkIndex, message);
  }

  progress(chunkIndex: number, value: unknown): void {
    const now = performance.now();
    if (now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    void this.api().progress(chunkIndex, value);
  }

  /** Waits until the coordinator has seen every message sent so far, then lets go of the port. */
  async flush(): Promise<void> {
    if (this.remote !== null) await this.remote.flush();
    this.port.close();
  }
}
