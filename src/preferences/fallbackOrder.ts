/** Checks a list of channels a patient or sender gives: each channel once, and no NHS App in a fallback order. */
import { Channel } from '../vocabulary/delivery';
import { HubError } from '../shared/errors';

export function uniqueChannels(channels: Channel[], what: string): Channel[] {
  if (new Set(channels).size !== channels.length) throw new HubError('BAD_USER_INPUT', `${what} lists a channel more than once`);
  return channels;
}

export function validateFallbackOrder(order: Channel[]): Channel[] {
  if (order.includes(Channel.NHS_APP)) {
    throw new HubError('BAD_USER_INPUT', 'fallbackOrder lists the channels to try after the NHS App, so it cannot include NHS_APP');
  }
  return uniqueChannels(order, 'fallbackOrder');
}
