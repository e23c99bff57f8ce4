/** A channel's provider list and each provider's circuit, with scripted providers and a manual clock. */
import type { ChannelProvider, ProviderOutcome, ProviderRequest } from '../../../src/delivery/providers/channelProvider';
import { ProviderList } from '../../../src/delivery/providers/providerList';
import { providerUrlList } from '../../../src/delivery/providers/providerRegistry';
import { loadConfig } from '../../../src/config';
import { ManualClock } from '../../../src/shared/clock';
import { Channel, FailureReason } from '../../../src/vocabulary/delivery';

class ScriptedProvider implements ChannelProvider {
  readonly keys: string[] = [];
  constructor(
    readonly name: string,
    public answer: ProviderOutcome['kind'],
  ) {}
  async send(request: ProviderRequest): Promise<ProviderOutcome> {
    this.keys.push(request.attemptId);
    if (this.answer === 'accepted') return { kind: 'accepted', providerReference: `${this.name}-${request.attemptId}` };
    if (this.answer === 'rejected') return { kind: 'rejected', reason: FailureReason.PROVIDER_REJECTED, detail: 'HTTP 400' };
    return { kind: 'temporary', detail: 'HTTP 503' };
  }
}

const request = (attemptId: string): ProviderRequest => ({ attemptId, messageId: 'm', channel: Channel.SMS, nhsNumber: '9434765919', mobileNumber: '+447700900123', subject: null, body: 'Hello' });
const SETTINGS = { failureRate: 0.5, minCalls: 2, openMs: 1000 };

describe('a provider list', () => {
  it('moves a temporary failure on to the next provider under the same key, and names the provider that answered', async () => {
    const a = new ScriptedProvider('a', 'temporary');
    const b = new ScriptedProvider('b', 'accepted');
    const list = new ProviderList(Channel.SMS, [a, b], SETTINGS, new ManualClock('2026-03-10T10:00:00Z'));
    expect(await list.send(request('k1'))).toMatchObject({ kind: 'accepted', provider: 'b' });
    expect([a.keys, b.keys]).toEqual([['k1'], ['k1']]);
  });

  it('does not try a rejection elsewhere: it is the answer about this message', async () => {
    const a = new ScriptedProvider('a', 'rejected');
    const b = new ScriptedProvider('b', 'accepted');
    const list = new ProviderList(Channel.SMS, [a, b], SETTINGS, new ManualClock('2026-03-10T10:00:00Z'));
    expect(await list.send(request('k1'))).toMatchObject({ kind: 'rejected', provider: 'a' });
    expect(b.keys).toEqual([]);
  });

  it('with every circuit open, calls no one and says when the trial call is due; after openMs one trial call goes through', async () => {
    const clock = new ManualClock('2026-03-10T10:00:00Z');
    const a = new ScriptedProvider('a', 'temporary');
    const list = new ProviderList(Channel.SMS, [a], SETTINGS, clock);
    await list.send(request('k1'));
    await list.send(request('k2'));
    expect(list.health()[0]).toMatchObject({ state: 'OPEN', recentCalls: 2, recentFailureRate: 1 });
    clock.advance(200);
    // Not a failure of the attempt: it waits for the trial call, due when the circuit has been open openMs.
    expect(await list.send(request('k3'))).toEqual({ kind: 'unavailable', detail: "every SMS provider's circuit is open", retryAt: new Date('2026-03-10T10:00:01Z') });
    expect(a.keys).toEqual(['k1', 'k2']);
    clock.advance(800);
    expect(list.health()[0].state).toBe('HALF_OPEN');
    a.answer = 'accepted';
    expect(await list.send(request('k4'))).toMatchObject({ kind: 'accepted', provider: 'a' });
    expect(list.health()[0]).toMatchObject({ state: 'CLOSED', recentCalls: 0 });
  });

  it('does not open below the minimum number of calls, nor below the failure rate', async () => {
    const settings = { failureRate: 0.5, minCalls: 4, openMs: 1000 };
    const failing = new ScriptedProvider('a', 'temporary');
    const few = new ProviderList(Channel.SMS, [failing], settings, new ManualClock('2026-03-10T10:00:00Z'));
    for (const key of ['k1', 'k2', 'k3']) await few.send(request(key));
    expect(few.health()[0]).toMatchObject({ state: 'CLOSED', recentCalls: 3, recentFailureRate: 1 });

    const mostlyFine = new ScriptedProvider('b', 'accepted');
    const list = new ProviderList(Channel.SMS, [mostlyFine], settings, new ManualClock('2026-03-10T10:00:00Z'));
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) await list.send(request(key));
    mostlyFine.answer = 'temporary';
    for (const key of ['k6', 'k7', 'k8']) await list.send(request(key));
    // 3 failures in 8 calls is below 0.5
    expect(list.health()[0]).toMatchObject({ state: 'CLOSED', recentCalls: 8, recentFailureRate: 0.375 });
  });
});

describe('provider settings', () => {
  it('reads a comma-separated PROVIDER_URL_* as a list in priority order', () => {
    expect(providerUrlList(' http://a.example/send , http://b.example/send,')).toEqual(['http://a.example/send', 'http://b.example/send']);
    expect(providerUrlList(null)).toEqual([]);
  });

  it('reads the circuit and cooling-off settings with the runtime contract defaults', () => {
    expect(loadConfig({})).toMatchObject({ circuitFailureRate: 0.5, circuitMinCalls: 10, circuitOpenMs: 30000, reportCoolingOffDays: 30 });
    expect(() => loadConfig({ PROVIDER_CIRCUIT_FAILURE_RATE: '1.5' })).toThrow(/PROVIDER_CIRCUIT_FAILURE_RATE/);
  });
});
