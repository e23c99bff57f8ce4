/**
 * Keeps the delivery rollups current. Each run finds the messages changed since the last
 * watermark (minus an overlap, so a transaction that committed late is still seen) and
 * rebuilds the organisation-hours they were created in, all of them together. The dispatcher
 * runs it periodically; `rebuildAllRollups` recomputes everything (after a bulk load).
 */
import type { Clock } from '../shared/clock';
import { HOUR_MS } from '../shared/durations';
import { hourStart } from '../shared/londonTime';
import type { RollupStore } from './rollupStore';

const WATERMARK = 'rollups.watermark';
export const ROLLUP_OVERLAP_MS = 5 * 60 * 1000;

/** Returns how many organisation-hours it rebuilt. */
export async function refreshRollups(deps: { rollups: RollupStore; clock: Clock }): Promise<number> {
  let rebuilt = 0;
  await deps.rollups.exclusively(async () => {
    const now = deps.clock.now();
    const watermark = await deps.rollups.readState(WATERMARK);
    const since = watermark ? new Date(Number(watermark) - ROLLUP_OVERLAP_MS) : new Date(0);
    const hours = new Map<string, { organisationOdsCode: string; hourStart: Date }>();
    for (const { organisationOdsCode, createdAt } of await deps.rollups.changedSince(since)) {
      const hour = hourStart(createdAt);
      hours.set(`${organisationOdsCode}|${hour.getTime()}`, { organisationOdsCode, hourStart: hour });
    }
    await deps.rollups.rebuildHours([...hours.values()]);
    rebuilt = hours.size;
    await deps.rollups.writeState(WATERMARK, String(now.getTime()));
  });
  return rebuilt;
}

export async function rebuildAllRollups(deps: { rollups: RollupStore; clock: Clock }): Promise<void> {
  await deps.rollups.exclusively(async () => {
    const now = deps.clock.now();
    // A day of every organisation at a time: messages are stored in creation order, so
    // each day is one contiguous read.
    const range = await deps.rollups.createdRange();
    if (range) {
      const end = hourStart(range.last).getTime() + HOUR_MS;
      for (let from = hourStart(range.first).getTime(); from < end; from += 24 * HOUR_MS) {
        await deps.rollups.rebuildEveryOrganisation(new Date(from), new Date(Math.min(from + 24 * HOUR_MS, end)));
      }
    }
    await deps.rollups.writeState(WATERMARK, String(now.getTime()));
  });
}
