/**
 * One provider's circuit (runtime contract, PROVIDER_CIRCUIT_*): CLOSED while it answers;
 * OPEN once at least `minCalls` recent calls failed at `failureRate` or more, so it is
 * skipped; after `openMs` it is HALF_OPEN and gets one trial call, which closes it again
 * on success or reopens it on failure. The state lives in this process.
 */
import type { Clock } from '../../shared/clock';
import { CircuitState } from '../../vocabulary/providers';

export interface CircuitSettings {
  failureRate: number;
  minCalls: number;
  openMs: number;
}

export interface CircuitView {
  state: CircuitState;
  recentCalls: number;
  recentFailureRate: number;
  lastFailureAt: Date | null;
}

/** How many of the latest calls count as recent: enough for minCalls, and at least 20. */
function windowSize(settings: CircuitSettings): number {
  return Math.max(settings.minCalls, 20);
}

export class CircuitBreaker {
  private outcomes: boolean[] = [];
  private openedAt: number | null = null;
  private trialInFlight = false;
  private lastFailureAt: Date | null = null;

  constructor(
    private readonly settings: CircuitSettings,
    private readonly clock: Clock,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === null) return CircuitState.CLOSED;
    return this.clock.now().getTime() - this.openedAt >= this.settings.openMs ? CircuitState.HALF_OPEN : CircuitState.OPEN;
  }

  /** Whether a call may go now; a HALF_OPEN circuit lets exactly one trial call through. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === CircuitState.CLOSED) return true;
    if (state === CircuitState.OPEN || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** When a call may next go through: now unless OPEN, else when the trial call is due. */
  nextCallAt(): Date {
    const now = this.clock.now().getTime();
    if (this.openedAt === null) return new Date(now);
    return new Date(Math.max(now, this.openedAt + this.settings.openMs));
  }

  /** Records a call's result: `failed` for a temporary failure (5xx, timeout, network). */
  record(failed: boolean): void {
    const now = this.clock.now();
    if (failed) this.lastFailureAt = now;
    if (this.openedAt !== null) {
      // Only the trial call of a HALF_OPEN circuit decides whether it closes.
      if (!this.trialInFlight) return;
      this.trialInFlight = false;
      if (failed) this.openedAt = now.getTime();
      else {
        this.openedAt = null;
        this.outcomes = [];
      }
      return;
    }
    this.outcomes.push(failed);
    if (this.outcomes.length > windowSize(this.settings)) this.outcomes.shift();
    const failures = this.outcomes.filter(Boolean).length;
    if (this.outcomes.length >= this.settings.minCalls && failures / this.outcomes.length >= this.settings.failureRate) this.openedAt = now.getTime();
  }

  view(): CircuitView {
    const failures = this.outcomes.filter(Boolean).length;
    return {
      state: this.state,
      recentCalls: this.outcomes.length,
      recentFailureRate: this.outcomes.length === 0 ? 0 : failures / this.outcomes.length,
      lastFailureAt: this.lastFailureAt,
    };
  }
}
