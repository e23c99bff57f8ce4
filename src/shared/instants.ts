/**
 * Every date the hub accepts lies between 1900-01-01 and 9999-12-31 (UTC): outside that, no
 * database column or JavaScript date arithmetic can be trusted to hold it, so it is bad input.
 */
import { HubError } from './errors';

export const EARLIEST_INSTANT = new Date('1900-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** An ISO 8601 date or date-time with a real calendar date inside the accepted range, or BAD_USER_INPUT. */
export function parseInstant(value: unknown, field: string): Date {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) {
    throw new HubError('BAD_USER_INPUT', `${field} must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  const parsed = new Date(value);
  // Date accepts 2026-02-30 as 2 March: the calendar date must round-trip to count as real.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(parsed.getTime()) || calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw new HubError('BAD_USER_INPUT', `${field} ${JSON.stringify(value)} is not a real date`);
  }
  assertInstantInRange(parsed, field);
  return parsed;
}

export function assertInstantInRange(date: Date, field: string): Date {
  if (Number.isNaN(date.getTime()) || date < EARLIEST_INSTANT || date > LATEST_INSTANT) {
    throw new HubError('BAD_USER_INPUT', `${field} must lie between 1900-01-01 and 9999-12-31`);
  }
  return date;
}
