/**
 * An event stream of the API read with fetch() and a stream reader, not EventSource: an
 * EventSource cannot send the Authorization header, and the token must not go in the URL.
 *
 * It parses the Server-Sent Events format, remembers the last event id, and when the connection
 * drops (or the server says `end: shutdown`), reconnects with Last-Event-ID after a growing
 * pause, so no event is lost. It stops at `end: finished` or `end: removed`, or on close().
 */
import type { Api } from './api.js';
import type { FeedEvent } from './types.js';

export type FeedStatus = 'live' | 'reconnecting' | 'ended';

export interface FeedOptions {
  /** The stream's path: /api/jobs/:id/events or /api/events?types=... */
  path: string;
  /** Resume after this id (null: the stream's own start). */
  after: number | null;
  onEvent: (event: FeedEvent) => void;
  onStatus?: (status: FeedStatus, detail?: string) => void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export class EventFeed {
  private readonly controller = new AbortController();
  private lastId: number | null;

  constructor(
    private readonly api: Api,
    private readonly options: FeedOptions,
  ) {
    this.lastId = options.after;
    void this.run();
  }

  close(): void {
    this.controller.abort();
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    let pause = FIRST_RETRY_MS;
    while (!signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (this.lastId !== null) headers['last-event-id'] = String(this.lastId);
        const response = await this.api.fetch(this.options.path, { headers, signal });
        this.options.onStatus?.('live');
        pause = FIRST_RETRY_MS;
        const end = await this.read(response.body!);
        if (end === 'finished' || end === 'removed') {
          this.options.onStatus?.('ended', end);
          return;
        }
      } catch {
        if (signal.aborted) return;
      }
      this.options.onStatus?.('reconnecting');
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, MAX_RETRY_MS);
    }
  }

  /** Reads events until the stream ends; returns the `end` event's reason, or null if it just dropped. */
  private async read(body: ReadableStream<Uint8Array>): Promise<string | null> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let type = 'message';
    let data: string[] = [];
    let id: string | null = null;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (data.length > 0) {
              const text = data.join('\n');
              if (type === 'end') return (JSON.parse(text) as { reason: string }).reason;
              if (id !== null) this.lastId = Number(id);
              const payload = JSON.parse(text) as { jobId: string; at: number; data: unknown };
              this.options.onEvent({ id: id === null ? null : Number(id), type, ...payload });
            }
            type = 'message';
            data = [];
            id = null;
            continue;
          }
          if (line.startsWith(':')) continue; // a comment: the heartbeat
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') type = text;
          else if (field === 'data') data.push(text);
          else if (field === 'id') id = text;
        }
      }
    } finally {
      reader.releaseLock();
    }
  }
}
