/**
 * Keeps the delivery rollups current. Each run finds the messages changed since the last
 * watermark (minus an overlap, so a transaction that committed late is still seen) and
 * rebuilds the organisation-hours they were created in. The dispatcher runs it
 * periodically; `rebuildAllRollups` recomputes everything (after a bulk load).
 */
import type { Clock } from '../shared/clock';
import { HOUR_MS } from '../shared/durations';
import { hourStart } from '../shared/londonTime';
import type { RollupStore } from './rollupStore';

const WATERMARK = 'rollups.watermark';
export const ROLLUP_OVERLAP_MS = 5 * 60 * 1000;

/** Merges one organisation's changed hours into ranges, so nearby hours are rebuilt together. */
function ranges(hours: number[]): Array<[number, number]> {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  const merged: Array<[number, number]> = [];
  for (const hour of sorted) {
    const last = merged.at(-1);
    if (last && hour - last[1] <= 24 * HOUR_MS) last[1] = hour + HOUR_MS;
    else merged.push([hour, hour + HOUR_MS]);
  }
  return merged;
}

export async function refreshRollups(deps: { rollups: RollupStore; clock: Clock }): Promise<number> {
  let rebuilt = 0;
  await deps.rollups.exclusively(async () => {
    const now = deps.clock.now();
    const watermark = await deps.rollups.readState(WATERMARK);
    const since = watermark ? new Date(Number(watermark) - ROLLUP_OVERLAP_MS) : new Date(0);
    const changed = await deps.rollups.changedSince(since);
    const byOrganisation = new Map<string, number[]>();
    for (const { organisationOdsCode, createdAt } of changed) {
      const hours = byOrganisation.get(organisationOdsCode) ?? [];
      hours.push(hourStart(createdAt).getTime());
      byOrganisation.set(organisationOdsCode, hours);
    }
    for (const [organisationOdsCode, hours] of byOrganisation) {
      for (const [from, to] of ranges(hours)) {
        await deps.rollups.rebuild(organisationOdsCode, new Date(from), new Date(to));
        rebuilt += 1;
      }
    }
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
        await deps.rollups.rebuild(null, new Date(from), new Date(Math.min(from + 24 * HOUR_MS, end)));
      }
    }
    await deps.rollups.writeState(WATERMARK, String(now.getTime()));
  });
}
