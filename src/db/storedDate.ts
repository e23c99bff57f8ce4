/** A datetime read as a raw column: a Date from MySQL, a UTC 'YYYY-MM-DD HH:MM:SS.SSS' string from SQLite. */
export function storedDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}
