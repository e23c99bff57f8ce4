/** Runs refreshRollups every few seconds alongside the dispatcher; one instance at a time does the work. */
import type { HubLogger } from '../shared/logger';
import type { Clock } from '../shared/clock';
import { refreshRollups } from './refreshRollups';
import type { RollupStore } from './rollupStore';

export class RollupRefresher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly deps: { rollups: RollupStore; clock: Clock; logger?: HubLogger },
    private readonly everyMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = refreshRollups(this.deps)
        .catch((error) => this.deps.logger?.error({ err: error }, 'refreshing delivery rollups failed'))
        .finally(() => {
          this.running = null;
        });
    }, this.everyMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
