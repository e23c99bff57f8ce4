import {
  blockReason,
  CascadeInput,
  channelSequence,
  fallbackOrderFor,
  firstStep,
  stepAfter,
} from '../../src/delivery/rules/deliveryCascade';
import { Channel, DEFAULT_FALLBACK_ORDER, FailureReason } from '../../src/vocabulary/delivery';

const { NHS_APP, SMS, EMAIL, LETTER } = Channel;

function input(overrides: Partial<CascadeInput> = {}, patient: Partial<CascadeInput['patient']> = {}): CascadeInput {
  return {
    timeCritical: false,
    preferences: null,
    routingFallbackOrder: null,
    ...overrides,
    patient: {
      nhsAppUser: true,
      mobileNumber: '07700900123',
      email: 'jane@example.com',
      postalAddress: '1 High Street, Leeds, LS1 1UA',
      ...patient,
    },
  };
}

describe('fallbackOrderFor', () => {
  it('uses the default order when nothing else is given', () => {
    expect(fallbackOrderFor(input())).toEqual([SMS, EMAIL, LETTER]);
    expect(fallbackOrderFor(input())).toEqual([...DEFAULT_FALLBACK_ORDER]);
  });

  it("uses the patient's preferred order", () => {
    const preferences = { optedOutChannels: [], fallbackOrder: [LETTER, EMAIL] };
    expect(fallbackOrderFor(input({ preferences }))).toEqual([LETTER, EMAIL]);
  });

  it("lets the routing rule's order override the patient's preference", () => {
    const preferences = { optedOutChannels: [], fallbackOrder: [LETTER, EMAIL] };
    expect(fallbackOrderFor(input({ preferences, routingFallbackOrder: [EMAIL, SMS] }))).toEqual([EMAIL, SMS]);
  });

  it('skips empty orders', () => {
    const preferences = { optedOutChannels: [], fallbackOrder: [] };
    expect(fallbackOrderFor(input({ preferences, routingFallbackOrder: [] }))).toEqual([SMS, EMAIL, LETTER]);
  });

  it('returns a copy that callers may change', () => {
    const order = fallbackOrderFor(input());
    order.push(NHS_APP);
    expect(DEFAULT_FALLBACK_ORDER).toEqual([SMS, EMAIL, LETTER]);
  });
});

describe('channelSequence', () => {
  it('starts with the NHS App and then falls back', () => {
    expect(channelSequence(input())).toEqual([NHS_APP, SMS, EMAIL, LETTER]);
  });

  it('removes NHS_APP and duplicates from the fallback part', () => {
    expect(channelSequence(input({ routingFallbackOrder: [EMAIL, NHS_APP, EMAIL, LETTER, SMS, LETTER] }))).toEqual([
      NHS_APP,
      EMAIL,
      LETTER,
      SMS,
    ]);
  });
});

describe('blockReason', () => {
  it('allows every channel for a reachable app user', () => {
    expect([NHS_APP, SMS, EMAIL, LETTER].map((channel) => blockReason(channel, input()))).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it('blocks the NHS App for time-critical messages before anything else', () => {
    const preferences = { optedOutChannels: [NHS_APP], fallbackOrder: [] };
    expect(blockReason(NHS_APP, input({ timeCritical: true, preferences }, { nhsAppUser: false }))).toBe(
      FailureReason.TIME_CRITICAL,
    );
  });

  it('blocks the NHS App for a patient who does not use it', () => {
    expect(blockReason(NHS_APP, input({}, { nhsAppUser: false }))).toBe(FailureReason.NOT_NHS_APP_USER);
  });

  it('blocks a channel the patient opted out of', () => {
    const preferences = { optedOutChannels: [NHS_APP, SMS, EMAIL, LETTER], fallbackOrder: [] };
    expect([NHS_APP, SMS, EMAIL, LETTER].map((channel) => blockReason(channel, input({ preferences })))).toEqual([
      FailureReason.CHANNEL_OPTED_OUT,
      FailureReason.CHANNEL_OPTED_OUT,
      FailureReason.CHANNEL_OPTED_OUT,
      FailureReason.CHANNEL_OPTED_OUT,
    ]);
  });

  it('reports an opt-out ahead of missing contact details', () => {
    const preferences = { optedOutChannels: [SMS], fallbackOrder: [] };
    expect(blockReason(SMS, input({ preferences }, { mobileNumber: null }))).toBe(FailureReason.CHANNEL_OPTED_OUT);
  });

  it.each([
    [SMS, { mobileNumber: null }],
    [SMS, { mobileNumber: '  ' }],
    [EMAIL, { email: undefined }],
    [EMAIL, { email: '' }],
    [LETTER, { postalAddress: null }],
  ])('blocks %s without contact details %p', (channel, missing) => {
    expect(blockReason(channel, input({}, missing))).toBe(FailureReason.NO_CONTACT_DETAILS);
  });

  it('does not block time-critical messages on fallback channels', () => {
    expect(blockReason(SMS, input({ timeCritical: true }))).toBeNull();
  });
});

describe('firstStep', () => {
  it('sends to an app user through the NHS App', () => {
    expect(firstStep(input())).toEqual({ skipped: [], next: NHS_APP });
  });

  it('sends to a patient without the app by SMS, recording why the app was skipped', () => {
    expect(firstStep(input({}, { nhsAppUser: false }))).toEqual({
      skipped: [{ channel: NHS_APP, reason: FailureReason.NOT_NHS_APP_USER }],
      next: SMS,
    });
  });

  it('skips the NHS App for time-critical messages', () => {
    expect(firstStep(input({ timeCritical: true }))).toEqual({
      skipped: [{ channel: NHS_APP, reason: FailureReason.TIME_CRITICAL }],
      next: SMS,
    });
  });

  it("follows the routing rule's order rather than the patient's preference", () => {
    const preferences = { optedOutChannels: [], fallbackOrder: [EMAIL, SMS] };
    expect(firstStep(input({ preferences, routingFallbackOrder: [LETTER, SMS] }, { nhsAppUser: false }))).toEqual({
      skipped: [{ channel: NHS_APP, reason: FailureReason.NOT_NHS_APP_USER }],
      next: LETTER,
    });
  });

  it("follows the patient's preferred order when there is no routing order", () => {
    const preferences = { optedOutChannels: [], fallbackOrder: [EMAIL, SMS] };
    expect(firstStep(input({ preferences }, { nhsAppUser: false })).next).toBe(EMAIL);
  });

  it('skips opted-out channels and channels without contact details', () => {
    const preferences = { optedOutChannels: [SMS], fallbackOrder: [] };
    expect(firstStep(input({ preferences }, { nhsAppUser: false, email: null }))).toEqual({
      skipped: [
        { channel: NHS_APP, reason: FailureReason.NOT_NHS_APP_USER },
        { channel: SMS, reason: FailureReason.CHANNEL_OPTED_OUT },
        { channel: EMAIL, reason: FailureReason.NO_CONTACT_DETAILS },
      ],
      next: LETTER,
    });
  });

  it('records every skip and returns null when nothing is reachable', () => {
    const preferences = { optedOutChannels: [EMAIL], fallbackOrder: [] };
    expect(firstStep(input({ preferences }, { nhsAppUser: false, mobileNumber: null, postalAddress: null }))).toEqual({
      skipped: [
        { channel: NHS_APP, reason: FailureReason.NOT_NHS_APP_USER },
        { channel: SMS, reason: FailureReason.NO_CONTACT_DETAILS },
        { channel: EMAIL, reason: FailureReason.CHANNEL_OPTED_OUT },
        { channel: LETTER, reason: FailureReason.NO_CONTACT_DETAILS },
      ],
      next: null,
    });
  });
});

describe('stepAfter', () => {
  it('moves from the NHS App to the first fallback', () => {
    expect(stepAfter(NHS_APP, input())).toEqual({ skipped: [], next: SMS });
  });

  it('moves from SMS to email', () => {
    expect(stepAfter(SMS, input())).toEqual({ skipped: [], next: EMAIL });
  });

  it('skips blocked channels after the failed one', () => {
    expect(stepAfter(SMS, input({}, { email: null }))).toEqual({
      skipped: [{ channel: EMAIL, reason: FailureReason.NO_CONTACT_DETAILS }],
      next: LETTER,
    });
  });

  it('does not revisit channels before the failed one', () => {
    const step = stepAfter(EMAIL, input({}, { nhsAppUser: false, mobileNumber: null }));
    expect(step).toEqual({ skipped: [], next: LETTER });
  });

  it('returns null after the last channel', () => {
    expect(stepAfter(LETTER, input())).toEqual({ skipped: [], next: null });
  });

  it('follows the routing order', () => {
    expect(stepAfter(LETTER, input({ routingFallbackOrder: [LETTER, SMS] }))).toEqual({ skipped: [], next: SMS });
  });

  it('has nothing after a channel that is not in the sequence', () => {
    expect(stepAfter(EMAIL, input({ routingFallbackOrder: [SMS, LETTER] }))).toEqual({ skipped: [], next: null });
  });
});
