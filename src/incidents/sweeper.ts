import type { Logger } from '../logger.js';
import type { SilenceStore, StormStore } from './store.js';

export interface SweeperOptions {
  storms: Pick<StormStore, 'sweep'>;
  silences: Pick<SilenceStore, 'expire'>;
  log: Logger;
  /** Called when something ended (a storm, a silence): its announcement is in the outbox. */
  onEnded?: () => void;
  intervalMs?: number;
  now?: () => number;
}

/**
 * Ends what ends with time: storms whose rate fell back, silences whose time is up. Every
 * replica runs one; the scripts end each storm and silence exactly once, so the timer's
 * timing only decides how soon the announcement goes out, never whether twice.
 */
export class Sweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly log: Logger;

  constructor(private readonly o: SweeperOptions) {
    this.log = o.log.child({ module: 'sweeper' });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.sweep().then(
          () => {
            this.running = undefined;
          },
          () => {
            this.running = undefined;
          },
        );
    }, this.o.intervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; returns what this replica ended. */
  async sweep(): Promise<{ storms: string[]; silences: string[] }> {
    const now = (this.o.now ?? Date.now)();
    try {
      const [storms, silences] = await Promise.all([
        this.o.storms.sweep(now),
        this.o.silences.expire(now),
      ]);
      if (storms.length || silences.length) {
        this.log.info({ storms, silences }, 'ended with time');
        this.o.onEnded?.();
      }
      return { storms, silences };
    } catch (err) {
      this.log.warn({ err }, 'sweep failed; will retry');
      return { storms: [], silences: [] };
    }
  }
}
