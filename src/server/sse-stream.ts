/**
 * One Server-Sent Events response. The wire format (https://html.spec.whatwg.org/#server-sent-events):
 *
 *   id: 42
 *   event: progress
 *   data: {"jobId":"7","at":1733050000000,"data":{...}}
 *
 * Every job event carries its store id as `id:`, so a client that reconnects with
 * `Last-Event-ID: 42` gets exactly what came after. A comment line (`: heartbeat`) every
 * `heartbeatMs` keeps proxies from closing an idle stream and lets the client see a dead one.
 * Every stream ends with one `end` event (no id, so it does not move the client's Last-Event-ID)
 * whose `reason` says whether to reconnect: `finished` (the job ended: stop), `shutdown` (the
 * server is stopping: reconnect later), `removed` (the job was deleted), `failed` (the store
 * failed: reconnect).
 *
 * Writes respect backpressure: a client that reads slowly makes its own stream wait, nobody
 * else's; one that goes away aborts `signal`, which ends the store watch behind the stream.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

export type EndReason = 'finished' | 'shutdown' | 'removed' | 'failed';

export interface SseEvent {
  id?: number;
  event: string;
  /** Already serialized (one line of JSON). */
  data: string;
}

export class SseStream {
  private readonly controller = new AbortController();
  private readonly raw: ServerResponse;
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(reply: FastifyReply, heartbeatMs: number) {
    reply.hijack();
    this.raw = reply.raw;
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    // A reconnect delay for EventSource clients; the first bytes also flush the headers.
    this.raw.write('retry: 2000\n\n');
    this.heartbeat = setInterval(() => this.comment('heartbeat'), heartbeatMs);
    this.heartbeat.unref();
    this.raw.on('close', () => this.stop());
  }

  /** Aborts when the client goes away or the stream ends. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get open(): boolean {
    return !this.ended;
  }

  /** Writes one event; resolves when the client has taken it (or the stream is gone). */
  async send(event: SseEvent): Promise<void> {
    if (this.ended) return;
    const id = event.id === undefined ? '' : `id: ${event.id}\n`;
    if (!this.raw.write(`${id}event: ${event.event}\ndata: ${event.data}\n\n`)) await this.drained();
  }

  /** Ends the stream with its `end` event. Only the first call counts. */
  end(reason: EndReason, message: string): void {
    if (this.ended) return;
    this.raw.write(`event: end\ndata: ${JSON.stringify({ reason, message })}\n\n`);
    this.stop();
    this.raw.end();
  }

  private comment(text: string): void {
    if (!this.ended) this.raw.write(`: ${text}\n\n`);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.controller.signal.removeEventListener('abort', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
    this.controller.abort();
  }
}
