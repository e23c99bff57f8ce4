/**
 * Quiet hours, in UK wall-clock time: patients should not be woken by a push notification at night
 * or texted and emailed outside working hours. The windows follow Europe/London, so they move
 * by an hour against UTC at the March and October clock changes; Intl does the time-zone work.
 */
import { Channel } from '../../vocabulary/delivery';

export interface LondonParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
}

interface SendingWindow {
  weekdays: readonly number[];
  startHour: number;
  endHour: number;
}

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const MONDAY_TO_FRIDAY = [1, 2, 3, 4, 5];

/** Windows run from the start hour up to, but not including, the end hour. LETTER has none. */
const SENDING_WINDOWS: Partial<Record<Channel, SendingWindow>> = {
  [Channel.NHS_APP]: { weekdays: EVERY_DAY, startHour: 6, endHour: 22 },
  [Channel.SMS]: { weekdays: MONDAY_TO_FRIDAY, startHour: 8, endHour: 18 },
  [Channel.EMAIL]: { weekdays: MONDAY_TO_FRIDAY, startHour: 8, endHour: 18 },
};

const LONDON_FORMAT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** ISO weekday (1 = Monday … 7 = Sunday) of a calendar date. */
function weekdayOf(year: number, month: number, day: number): number {
  const sundayIsZero = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return sundayIsZero === 0 ? 7 : sundayIsZero;
}

/** The London calendar date and wall-clock time at an instant. */
export function londonParts(at: Date): LondonParts {
  const parts: Record<string, number> = {};
  for (const part of LONDON_FORMAT.formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year, month, day, hour, minute } = parts;
  return { year, month, day, hour, minute, weekday: weekdayOf(year, month, day) };
}

/** How far London is ahead of UTC at an instant, in milliseconds (0 in GMT, one hour in BST). */
function londonOffset(instant: number): number {
  const wholeMinute = Math.floor(instant / MINUTE) * MINUTE;
  const p = londonParts(new Date(wholeMinute));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - wholeMinute;
}

/**
 * The instant at which London clocks show the given wall-clock time.
 * A time repeated when clocks go back resolves to the first (BST) occurrence; a time skipped when
 * clocks go forward resolves to the same distance past the change (01:30 → 02:30 BST).
 */
export function londonTime(year: number, month: number, day: number, hour: number, minute: number): Date {
  const asIfUtc = Date.UTC(year, month - 1, day, hour, minute);
  const offsetBefore = londonOffset(asIfUtc - DAY);
  const offsetAfter = londonOffset(asIfUtc + DAY);
  const candidates = [asIfUtc - offsetBefore, asIfUtc - offsetAfter]
    .filter((instant) => instant + londonOffset(instant) === asIfUtc)
    .sort((a, b) => a - b);
  return new Date(candidates[0] ?? asIfUtc - offsetBefore);
}

function isInsideWindow(parts: LondonParts, window: SendingWindow): boolean {
  const minuteOfDay = parts.hour * 60 + parts.minute;
  return (
    window.weekdays.includes(parts.weekday) &&
    minuteOfDay >= window.startHour * 60 &&
    minuteOfDay < window.endHour * 60
  );
}

function calendarDateAfter(parts: LondonParts, days: number): { year: number; month: number; day: number } {
  const date = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function nextWindowStart(parts: LondonParts, window: SendingWindow): Date {
  const beforeTodaysStart = parts.hour < window.startHour;
  for (let days = beforeTodaysStart ? 0 : 1; days <= 7; days += 1) {
    const { year, month, day } = calendarDateAfter(parts, days);
    if (window.weekdays.includes(weekdayOf(year, month, day))) {
      return londonTime(year, month, day, window.startHour, 0);
    }
  }
  throw new Error('A sending window must include at least one weekday');
}

/**
 * When a message on this channel may be sent: `at` itself when sending is allowed now (or the
 * message is time-critical), otherwise the start of the next allowed window in London time.
 */
export function nextAllowedSendTime(channel: Channel, at: Date, timeCritical: boolean): Date {
  const window = SENDING_WINDOWS[channel];
  if (timeCritical || window === undefined) return at;
  const parts = londonParts(at);
  if (isInsideWindow(parts, window)) return at;
  return nextWindowStart(parts, window);
}
