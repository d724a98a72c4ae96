/**
 * The coordinator's end of its replies list: a loop of blocking pops on a connection of its own,
 * handing each ReplyMessage on in the order the workers pushed them (a chunk's log lines before
 * its reply). Ends when stop() closes the connection.
 */
import { type Redis, ReplyError } from 'ioredis';
import { bounded } from './bounded.js';
import { decode } from './codec.js';
import type { ReplyMessage } from './protocol.js';

/** Seconds a pop blocks: the loop rechecks `running` this often. */
const BLOCK_SECONDS = 1;
/** Messages per pop: a burst of replies costs one round trip per this many. */
const BATCH = 256;

export class ReplyReader {
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly onMessage: (message: ReplyMessage) => void,
    /** A message that cannot be decoded: nothing can be matched to it, so the owner must fail. */
    private readonly onBroken: (error: unknown) => void,
  ) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    // Ends a pop in progress; but a pop queued while the connection is down is left waiting for
    // good by ioredis, so the loop is only waited for when the connection is up.
    const up = this.redis.status === 'ready';
    this.redis.disconnect();
    if (up) await bounded(this.loop, 1_000);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let popped: [Buffer, Buffer[]] | null;
      try {
        popped = await this.redis.blmpopBuffer(BLOCK_SECONDS, 1, this.key, 'LEFT', 'COUNT', BATCH);
      } catch (e) {
        // Redis refused the command itself: it would refuse it again, and no reply would ever come.
        if (e instanceof ReplyError && this.running) {
          this.onBroken(e);
          this.running = false;
          return;
        }
        // The connection dropped (it reconnects by itself; the provider bounds how long) or closed.
        if (this.running) await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const bytes of popped?.[1] ?? []) {
        let message: ReplyMessage;
        try {
          message = decode<ReplyMessage>(bytes, 'a reply');
        } catch (e) {
          this.onBroken(e);
          continue;
        }
        this.onMessage(message);
      }
    }
  }
}
