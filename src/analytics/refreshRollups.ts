/**
 * Keeps the delivery rollups current. Each run finds the messages changed since the last
 * watermark (minus an overlap, so a transaction that committed late is still seen) and applies
 * the difference each one makes to the rollups, against what it last contributed (RollupStore).
 * A message seen again in the overlap adds nothing new. The dispatcher runs it periodically;
 * `rebuildAllRollups` recomputes everything (after a bulk load), and a refresh does that itself
 * when the stored contributions are not known to match the rollups (after the upgrade that
 * introduced them).
 */
import type { Clock } from '../shared/clock';
import { HOUR_MS } from '../shared/durations';
import { hourStart } from '../shared/londonTime';
import { CONTRIBUTIONS_IN_STEP, type RollupStore } from './rollupStore';

const WATERMARK = 'rollups.watermark';
export const ROLLUP_OVERLAP_MS = 5 * 60 * 1000;

/** Returns how many organisation-hours the changed messages fall in (all of them after a full rebuild). */
export async function refreshRollups(deps: { rollups: RollupStore; clock: Clock }): Promise<number> {
  let refreshed = 0;
  await deps.rollups.exclusively(async () => {
    const now = deps.clock.now();
    if (!(await deps.rollups.contributionsInStep())) {
      refreshed = await rebuildEverything(deps.rollups);
    } else {
      const watermark = await deps.rollups.readState(WATERMARK);
      const since = watermark ? new Date(Number(watermark) - ROLLUP_OVERLAP_MS) : new Date(0);
      refreshed = await deps.rollups.applyChangesSince(since);
    }
    await deps.rollups.writeState(WATERMARK, String(now.getTime()));
  });
  return refreshed;
}

export async function rebuildAllRollups(deps: { rollups: RollupStore; clock: Clock }): Promise<void> {
  await deps.rollups.exclusively(async () => {
    const now = deps.clock.now();
    await rebuildEverything(deps.rollups);
    await deps.rollups.writeState(WATERMARK, String(now.getTime()));
  });
}

/** Rebuilds every hour that has hub-sent messages, with their contributions; returns how many organisation-hours have messages. */
async function rebuildEverything(rollups: RollupStore): Promise<number> {
  let hours = 0;
  // A day of every organisation at a time: messages are stored in creation order, so
  // each day is one contiguous read.
  const range = await rollups.createdRange();
  if (range) {
    const end = hourStart(range.last).getTime() + HOUR_MS;
    for (let from = hourStart(range.first).getTime(); from < end; from += 24 * HOUR_MS) {
      hours += await rollups.rebuildEveryOrganisation(new Date(from), new Date(Math.min(from + 24 * HOUR_MS, end)));
    }
  }
  // Contributions of messages no longer there (a database emptied and loaded again) go too.
  await rollups.dropContributionsOutside(range && { from: hourStart(range.first), to: new Date(hourStart(range.last).getTime() + HOUR_MS) });
  await rollups.writeState(CONTRIBUTIONS_IN_STEP, 'rollups are the sums of delivery_contributions');
  return hours;
}
