import { londonParts, londonTime } from '../../src/shared/londonTime';

const utc = (iso: string) => new Date(iso);

describe('londonParts', () => {
  it('reads GMT in winter', () => {
    expect(londonParts(utc('2026-01-15T09:05:00Z'))).toEqual({
      year: 2026, month: 1, day: 15, hour: 9, minute: 5, weekday: 4,
    });
  });

  it('reads BST in summer, one hour ahead of UTC', () => {
    expect(londonParts(utc('2026-07-01T07:00:00Z'))).toEqual({
      year: 2026, month: 7, day: 1, hour: 8, minute: 0, weekday: 3,
    });
  });

  it('rolls the date over at London midnight, not UTC midnight', () => {
    expect(londonParts(utc('2026-06-30T23:30:00Z'))).toMatchObject({ month: 7, day: 1, hour: 0, minute: 30 });
  });

  it('numbers weekdays from Monday 1 to Sunday 7', () => {
    expect(londonParts(utc('2026-03-23T12:00:00Z')).weekday).toBe(1);
    expect(londonParts(utc('2026-03-29T12:00:00Z')).weekday).toBe(7);
  });

  it('follows both clock changes', () => {
    expect(londonParts(utc('2026-03-29T00:59:00Z'))).toMatchObject({ hour: 0, minute: 59 });
    expect(londonParts(utc('2026-03-29T01:00:00Z'))).toMatchObject({ hour: 2, minute: 0 });
    expect(londonParts(utc('2026-10-25T00:59:00Z'))).toMatchObject({ hour: 1, minute: 59 });
    expect(londonParts(utc('2026-10-25T01:00:00Z'))).toMatchObject({ hour: 1, minute: 0 });
  });
});

describe('londonTime', () => {
  it('converts London winter time (GMT) to the same UTC time', () => {
    expect(londonTime(2026, 1, 15, 8, 0)).toEqual(utc('2026-01-15T08:00:00Z'));
  });

  it('converts London summer time (BST) to one hour earlier in UTC', () => {
    expect(londonTime(2026, 7, 1, 8, 0)).toEqual(utc('2026-07-01T07:00:00Z'));
  });

  it('handles the days of the clock changes', () => {
    expect(londonTime(2026, 3, 29, 0, 30)).toEqual(utc('2026-03-29T00:30:00Z'));
    expect(londonTime(2026, 3, 29, 6, 0)).toEqual(utc('2026-03-29T05:00:00Z'));
    expect(londonTime(2026, 10, 25, 0, 30)).toEqual(utc('2026-10-24T23:30:00Z'));
    expect(londonTime(2026, 10, 25, 6, 0)).toEqual(utc('2026-10-25T06:00:00Z'));
  });

  it('moves a time skipped in March forward by the gap', () => {
    // 01:30 does not exist on 29 March 2026; clocks jump from 01:00 GMT to 02:00 BST.
    expect(londonTime(2026, 3, 29, 1, 30)).toEqual(utc('2026-03-29T01:30:00Z'));
    expect(londonParts(londonTime(2026, 3, 29, 1, 30))).toMatchObject({ hour: 2, minute: 30 });
  });

  it('takes the first of a time repeated in October', () => {
    // 01:30 happens twice on 25 October 2026: 00:30 UTC (BST) and 01:30 UTC (GMT).
    expect(londonTime(2026, 10, 25, 1, 30)).toEqual(utc('2026-10-25T00:30:00Z'));
  });

  it('round-trips with londonParts', () => {
    const instant = londonTime(2026, 12, 31, 23, 59);
    expect(londonParts(instant)).toMatchObject({ year: 2026, month: 12, day: 31, hour: 23, minute: 59 });
  });
});
