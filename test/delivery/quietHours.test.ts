import { nextAllowedSendTime } from '../../src/delivery/rules/quietHours';
import { Channel } from '../../src/vocabulary/delivery';

const utc = (iso: string) => new Date(iso);

describe('nextAllowedSendTime', () => {
  describe('NHS App push notifications (06:00–22:00 every day)', () => {
    it('returns the same instant during the day, weekends included', () => {
      const saturdayNoon = utc('2026-03-28T12:00:00Z');
      expect(nextAllowedSendTime(Channel.NHS_APP, saturdayNoon, false)).toBe(saturdayNoon);
    });

    it('waits from 23:30 until 06:00 the next day', () => {
      expect(nextAllowedSendTime(Channel.NHS_APP, utc('2026-01-14T23:30:00Z'), false)).toEqual(
        utc('2026-01-15T06:00:00Z'),
      );
    });

    it('waits from early morning until 06:00 the same day', () => {
      expect(nextAllowedSendTime(Channel.NHS_APP, utc('2026-01-15T03:00:00Z'), false)).toEqual(
        utc('2026-01-15T06:00:00Z'),
      );
    });

    it('treats 22:00 as closed and 21:59 as open', () => {
      const nineFiftyNine = utc('2026-01-15T21:59:00Z');
      expect(nextAllowedSendTime(Channel.NHS_APP, nineFiftyNine, false)).toBe(nineFiftyNine);
      expect(nextAllowedSendTime(Channel.NHS_APP, utc('2026-01-15T22:00:00Z'), false)).toEqual(
        utc('2026-01-16T06:00:00Z'),
      );
    });

    it('opens at 06:00 BST on the morning the clocks go forward', () => {
      // Saturday 28 March 23:30 GMT → Sunday 29 March 06:00 BST (05:00 UTC)
      expect(nextAllowedSendTime(Channel.NHS_APP, utc('2026-03-28T23:30:00Z'), false)).toEqual(
        utc('2026-03-29T05:00:00Z'),
      );
      // during the skipped hour's night: 00:30 GMT on the 29th
      expect(nextAllowedSendTime(Channel.NHS_APP, utc('2026-03-29T00:30:00Z'), false)).toEqual(
        utc('2026-03-29T05:00:00Z'),
      );
    });

    it('opens at 06:00 GMT on the morning the clocks go back', () => {
      // Saturday 24 October 23:30 BST (22:30 UTC) → Sunday 25 October 06:00 GMT
      expect(nextAllowedSendTime(Channel.NHS_APP, utc('2026-10-24T22:30:00Z'), false)).toEqual(
        utc('2026-10-25T06:00:00Z'),
      );
      // the repeated 01:30 hour, second time round (GMT)
      expect(nextAllowedSendTime(Channel.NHS_APP, utc('2026-10-25T01:30:00Z'), false)).toEqual(
        utc('2026-10-25T06:00:00Z'),
      );
    });
  });

  describe('SMS and email (08:00–18:00 Monday to Friday)', () => {
    it.each([Channel.SMS, Channel.EMAIL])('%s waits from Friday 19:00 until Monday 08:00', (channel) => {
      expect(nextAllowedSendTime(channel, utc('2026-01-16T19:00:00Z'), false)).toEqual(utc('2026-01-19T08:00:00Z'));
    });

    it('waits from Saturday and Sunday until Monday 08:00', () => {
      expect(nextAllowedSendTime(Channel.SMS, utc('2026-01-17T12:00:00Z'), false)).toEqual(utc('2026-01-19T08:00:00Z'));
      expect(nextAllowedSendTime(Channel.SMS, utc('2026-01-18T07:00:00Z'), false)).toEqual(utc('2026-01-19T08:00:00Z'));
    });

    it('waits from a weekday evening until 08:00 the next morning', () => {
      expect(nextAllowedSendTime(Channel.EMAIL, utc('2026-01-14T18:00:00Z'), false)).toEqual(
        utc('2026-01-15T08:00:00Z'),
      );
    });

    it('waits from a weekday early morning until 08:00 that day', () => {
      expect(nextAllowedSendTime(Channel.SMS, utc('2026-01-14T07:59:00Z'), false)).toEqual(utc('2026-01-14T08:00:00Z'));
    });

    it('allows 08:00 to 17:59 on weekdays', () => {
      const eight = utc('2026-01-14T08:00:00Z');
      const fiveFiftyNine = utc('2026-01-14T17:59:59Z');
      expect(nextAllowedSendTime(Channel.SMS, eight, false)).toBe(eight);
      expect(nextAllowedSendTime(Channel.SMS, fiveFiftyNine, false)).toBe(fiveFiftyNine);
    });

    it('uses London time in summer, where 08:00 London is 07:00 UTC', () => {
      const sevenUtc = utc('2026-07-01T07:00:00Z');
      expect(nextAllowedSendTime(Channel.SMS, sevenUtc, false)).toBe(sevenUtc);
      expect(nextAllowedSendTime(Channel.SMS, utc('2026-07-01T06:30:00Z'), false)).toEqual(sevenUtc);
      // 17:30 UTC is 18:30 BST: closed until Thursday 08:00 BST
      expect(nextAllowedSendTime(Channel.SMS, utc('2026-07-01T17:30:00Z'), false)).toEqual(
        utc('2026-07-02T07:00:00Z'),
      );
    });

    it('opens at 08:00 BST on the Monday after the clocks go forward', () => {
      // Friday 27 March 19:00 GMT → Monday 30 March 08:00 BST (07:00 UTC)
      expect(nextAllowedSendTime(Channel.SMS, utc('2026-03-27T19:00:00Z'), false)).toEqual(
        utc('2026-03-30T07:00:00Z'),
      );
    });

    it('opens at 08:00 GMT on the Monday after the clocks go back', () => {
      // Friday 23 October 19:00 BST (18:00 UTC) → Monday 26 October 08:00 GMT
      expect(nextAllowedSendTime(Channel.SMS, utc('2026-10-23T18:00:00Z'), false)).toEqual(
        utc('2026-10-26T08:00:00Z'),
      );
    });
  });

  it('always allows letters', () => {
    const sundayNight = utc('2026-01-18T23:00:00Z');
    expect(nextAllowedSendTime(Channel.LETTER, sundayNight, false)).toBe(sundayNight);
  });

  it.each([Channel.NHS_APP, Channel.SMS, Channel.EMAIL])('sends time-critical %s messages at once', (channel) => {
    const sundayNight = utc('2026-01-18T23:00:00Z');
    expect(nextAllowedSendTime(channel, sundayNight, true)).toBe(sundayNight);
  });
});
