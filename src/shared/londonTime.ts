/**
 * Wall-clock time in Europe/London, where the hub's days and quiet hours are kept: the
 * calendar date and time at an instant, the instant of a London wall-clock time, and London
 * calendar days. London is an hour ahead of UTC in summer (BST); Intl does the time-zone work.
 */
import { DAY_MS, HOUR_MS } from './durations';

export interface LondonParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
}

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

/** ISO weekday (1 = Monday … 7 = Sunday) of a calendar date. */
export function weekdayOf(year: number, month: number, day: number): number {
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
  const offsetBefore = londonOffset(asIfUtc - DAY_MS);
  const offsetAfter = londonOffset(asIfUtc + DAY_MS);
  const candidates = [asIfUtc - offsetBefore, asIfUtc - offsetAfter]
    .filter((instant) => instant + londonOffset(instant) === asIfUtc)
    .sort((a, b) => a - b);
  return new Date(candidates[0] ?? asIfUtc - offsetBefore);
}

/** The start of the UTC hour an instant falls in (London hours start at the same instants). */
export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

export function londonDayOf(at: Date): string {
  const p = londonParts(at);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The instant a London calendar day (YYYY-MM-DD) starts. */
export function londonDayStart(day: string): Date {
  const [year, month, date] = day.split('-').map(Number);
  return londonTime(year, month, date, 0, 0);
}

/** The calendar day `days` after `day` (YYYY-MM-DD). */
export function addDays(day: string, days: number): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** The London days wholly inside [from, to): the first and last day and the instants they span, or null when there is none. */
export function wholeLondonDays(from: Date, to: Date): { first: string; last: string; start: Date; end: Date } | null {
  const fromDay = londonDayOf(from);
  const first = londonDayStart(fromDay).getTime() === from.getTime() ? fromDay : addDays(fromDay, 1);
  const toDay = londonDayOf(new Date(to.getTime() - 1));
  const last = londonDayStart(addDays(toDay, 1)).getTime() <= to.getTime() ? toDay : addDays(toDay, -1);
  if (first > last) return null;
  return { first, last, start: londonDayStart(first), end: londonDayStart(addDays(last, 1)) };
}

