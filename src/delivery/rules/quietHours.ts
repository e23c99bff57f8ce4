/**
 * Quiet hours, in UK wall-clock time: patients should not be woken by a push notification at night
 * or texted and emailed outside working hours. The windows follow Europe/London, so they move
 * by an hour against UTC at the March and October clock changes.
 */
import { londonParts, type LondonParts, londonTime, weekdayOf } from '../../shared/londonTime';
import { Channel } from '../../vocabulary/delivery';

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
