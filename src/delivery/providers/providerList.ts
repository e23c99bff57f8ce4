/**
 * A channel's providers in priority order, each behind its own circuit breaker (runtime
 * contract, "Several providers for one channel"). An attempt goes to the first provider
 * whose circuit lets it through; a temporary failure moves it on to the next provider, under
 * the same Idempotency-Key (the attempt id), before the dispatcher's backoff tries the list
 * again. A rejection is the supplier's answer about this message, so it is not tried
 * elsewhere. The outcome names the provider that answered last.
 */
import type { Clock } from '../../shared/clock';
import type { Channel } from '../../vocabulary/delivery';
import type { ChannelProvider, ProviderOutcome, ProviderRequest } from './channelProvider';
import { CircuitBreaker, type CircuitSettings, type CircuitView } from './circuitBreaker';

export interface ProviderHealthRow extends CircuitView {
  channel: Channel;
  provider: string;
}

interface Member {
  provider: ChannelProvider;
  circuit: CircuitBreaker;
}

export class ProviderList implements ChannelProvider {
  readonly name: string;
  private readonly members: Member[];

  constructor(
    readonly channel: Channel,
    providers: readonly ChannelProvider[],
    settings: CircuitSettings,
    private readonly clock: Clock,
  ) {
    if (providers.length === 0) throw new Error(`ProviderList(${channel}): at least one provider is needed`);
    this.members = providers.map((provider) => ({ provider, circuit: new CircuitBreaker(settings, clock) }));
    this.name = providers.map((p) => p.name).join(',');
  }

  async send(request: ProviderRequest): Promise<ProviderOutcome> {
    let last: ProviderOutcome | null = null;
    for (const { provider, circuit } of this.members) {
      if (!circuit.tryAcquire()) continue;
      let outcome: ProviderOutcome;
      try {
        outcome = await provider.send(request);
      } catch (error) {
        outcome = { kind: 'temporary', detail: `provider threw: ${(error as Error).message}` };
      }
      circuit.record(outcome.kind === 'temporary');
      last = { ...outcome, provider: provider.name };
      if (outcome.kind !== 'temporary') return last;
    }
    if (last) return last;
    // Nothing was called, so this is no failure of the attempt: it waits for the first trial call
    // (a HALF_OPEN circuit whose trial is in flight is asked again a second later).
    const soonest = Math.min(...this.members.map(({ circuit }) => circuit.nextCallAt().getTime()));
    const now = this.clock.now().getTime();
    const retryAt = new Date(soonest > now ? soonest : now + 1000);
    return { kind: 'unavailable', detail: `every ${this.channel} provider's circuit is open`, retryAt };
  }

  health(): ProviderHealthRow[] {
    return this.members.map(({ provider, circuit }) => ({ channel: this.channel, provider: provider.name, ...circuit.view() }));
  }
}
