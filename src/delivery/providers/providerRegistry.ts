/**
 * Each channel's provider list: one HTTP provider per URL of PROVIDER_URL_<CHANNEL> (a
 * comma-separated list, in priority order), or the simulator when it is unset; each
 * provider with its own circuit breaker.
 */
import type { HubConfig } from '../../config';
import type { Clock } from '../../shared/clock';
import { Channel } from '../../vocabulary/delivery';
import type { ChannelProvider } from './channelProvider';
import type { CircuitSettings } from './circuitBreaker';
import { HttpProvider } from './httpProvider';
import { type ProviderHealthRow, ProviderList } from './providerList';
import { parseSimulationPlan, SimulatedProvider } from './simulatedProvider';

export type ChannelProviders = Record<Channel, ProviderList>;

type ProviderConfig = Pick<HubConfig, 'providerUrls' | 'providerTimeoutMs' | 'simulationPlan' | 'circuitFailureRate' | 'circuitMinCalls' | 'circuitOpenMs'>;

export function circuitSettings(config: ProviderConfig): CircuitSettings {
  return { failureRate: config.circuitFailureRate, minCalls: config.circuitMinCalls, openMs: config.circuitOpenMs };
}

/** The URLs of a PROVIDER_URL_* value, in order. */
export function providerUrlList(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
}

/** A provider is named after its host, numbered when one host serves several entries of the list. */
function httpProviders(channel: Channel, urls: string[], timeoutMs: number): HttpProvider[] {
  const hosts = urls.map((url) => {
    try {
      return new URL(url).host;
    } catch {
      throw new Error(`PROVIDER_URL_${channel}: "${url}" is not a URL`);
    }
  });
  return urls.map((url, i) => {
    const shared = hosts.filter((h) => h === hosts[i]).length > 1;
    return new HttpProvider({ channel, url, timeoutMs, name: `http:${channel}:${hosts[i]}${shared ? `#${i + 1}` : ''}` });
  });
}

/** Every channel's list; `overrides` replace a channel's providers (tests use scripted ones). */
export function providersFromConfig(config: ProviderConfig, clock: Clock, overrides: Partial<Record<Channel, ChannelProvider | ChannelProvider[]>> = {}): ChannelProviders {
  const plan = parseSimulationPlan(config.simulationPlan);
  const settings = circuitSettings(config);
  const listFor = (channel: Channel): ProviderList => {
    const override = overrides[channel];
    if (override) return new ProviderList(channel, Array.isArray(override) ? override : [override], settings, clock);
    const urls = providerUrlList(config.providerUrls[channel]);
    const providers = urls.length > 0 ? httpProviders(channel, urls, config.providerTimeoutMs) : [new SimulatedProvider(channel, plan)];
    return new ProviderList(channel, providers, settings, clock);
  };
  return {
    [Channel.NHS_APP]: listFor(Channel.NHS_APP),
    [Channel.SMS]: listFor(Channel.SMS),
    [Channel.EMAIL]: listFor(Channel.EMAIL),
    [Channel.LETTER]: listFor(Channel.LETTER),
  };
}

/** Every configured provider's circuit, channel by channel in priority order. */
export function providerHealth(providers: ChannelProviders): ProviderHealthRow[] {
  return [Channel.NHS_APP, Channel.SMS, Channel.EMAIL, Channel.LETTER].flatMap((channel) => providers[channel].health());
}
