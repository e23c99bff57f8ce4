/**
 * A derived table of keys to join on, for statements that lock rows by a list of keys on
 * MySQL/MariaDB. Given a long `IN (…)` list on a small table, MariaDB may scan the whole table
 * instead, and a locking scan (DELETE, SELECT … FOR UPDATE) waits on every row another
 * transaction holds, matching or not: two batches deadlock. Joined on this table, each key is
 * looked up through the index, in the order given.
 */
export function keyTable(keys: readonly string[], parameterPrefix = 'key'): { sql: string; parameters: Record<string, string> } {
  const parameters: Record<string, string> = {};
  const selects = keys.map((key, i) => {
    parameters[`${parameterPrefix}${i}`] = key;
    return i === 0 ? `SELECT :${parameterPrefix}${i} AS id` : `SELECT :${parameterPrefix}${i}`;
  });
  return { sql: `(${selects.join(' UNION ALL ')})`, parameters };
}
