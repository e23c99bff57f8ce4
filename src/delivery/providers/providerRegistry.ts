/** One provider per channel: HTTP where PROVIDER_URL_<CHANNEL> is set, the simulator otherwise. */
import type { HubConfig } from '../../config';
import { Channel } from '../../vocabulary/delivery';
import type { ChannelProvider } from './channelProvider';
import { HttpProvider } from './httpProvider';
import { parseSimulationPlan, SimulatedProvider } from './simulatedProvider';

export type ChannelProviders = Record<Channel, ChannelProvider>;

export function providersFromConfig(config: Pick<HubConfig, 'providerUrls' | 'providerTimeoutMs' | 'simulationPlan'>): ChannelProviders {
  const plan = parseSimulationPlan(config.simulationPlan);
  const providerFor = (channel: Channel): ChannelProvider => {
    const url = config.providerUrls[channel];
    return url ? new HttpProvider({ channel, url, timeoutMs: config.providerTimeoutMs }) : new SimulatedProvider(channel, plan);
  };
  return {
    [Channel.NHS_APP]: providerFor(Channel.NHS_APP),
    [Channel.SMS]: providerFor(Channel.SMS),
    [Channel.EMAIL]: providerFor(Channel.EMAIL),
    [Channel.LETTER]: providerFor(Channel.LETTER),
  };
}
