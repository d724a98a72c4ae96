/**
 * The engine's loop: runs `tick` every `interval` ms, or sooner when asked (now()), never two at
 * once. Its timer is referenced: a process whose engine is open stays up, as a server does.
 */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly interval: number,
    private readonly tick: () => Promise<void>,
  ) {}

  /** Runs a tick as soon as the current one (if any) is over. */
  now(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.running = true;
    try {
      await this.tick();
    } finally {
      this.running = false;
      if (!this.stopped) {
        const delay = this.again ? 0 : this.interval;
        this.again = false;
        this.timer = setTimeout(() => void this.run(), delay);
      }
    }
  }
}
