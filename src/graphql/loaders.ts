/**
 * Per-request DataLoaders: every relation a resolver follows is batched into one
 * `WHERE … IN (…)` per kind, and every load applies the request's AccessScope.
 */
import DataLoader from 'dataloader';
import type { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Message } from '../../entities/Message';
import type { Organisation } from '../../entities/Organisation';
import type { Patient } from '../../entities/Patient';
import type { PatientReport } from '../../entities/PatientReport';
import type { Stores } from '../stores';
import type { MessageQuery } from '../messages/messageStore';
import type { Page } from '../shared/pagination';
import type { AccessScope } from '../shared/scope';

function byKey<T, K>(rows: T[], keyOf: (row: T) => K, keys: readonly K[]): Array<T | null> {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

function groupedBy<T, K>(rows: T[], keyOf: (row: T) => K, keys: readonly K[]): T[][] {
  const map = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) map.get(keyOf(row))?.push(row);
  return keys.map((key) => map.get(key) ?? []);
}

export interface PatientMessagesArgs {
  size: number;
  after: string | null;
  filter: MessageQuery;
}

export function createLoaders(stores: Stores, scope: AccessScope) {
  const patientMessageLoaders = new Map<string, { pages: DataLoader<string, Page<Message>>; counts: DataLoader<string, number> }>();
  return {
    organisation: new DataLoader<string, Organisation | null>(async (codes) => byKey(await stores.organisations.findByOdsCodes(codes), (o) => o.odsCode, codes)),
    patient: new DataLoader<string, Patient | null>(async (numbers) => byKey(await stores.patients.findByNhsNumbers(numbers, scope), (p) => p.nhsNumber, numbers)),
    message: new DataLoader<string, Message | null>(async (ids) => byKey(await stores.messages.findByIds(ids, scope), (m) => m.id, ids)),
    attemptsByMessage: new DataLoader<string, DeliveryAttempt[]>(async (ids) => groupedBy(await stores.attempts.findByMessageIds(ids, scope), (a) => a.messageId, ids)),
    reportsByMessage: new DataLoader<string, PatientReport[]>(async (ids) => groupedBy(await stores.reports.findByMessageIds(ids, scope), (r) => r.messageId, ids)),
    preferenceChanges: new DataLoader<string, ChannelPreferenceChange[]>(async (numbers) => groupedBy(await stores.preferences.changesFor(numbers), (c) => c.nhsNumber, numbers)),
    /** Patient.messages with the same arguments shares one loader, so a list of patients costs two queries. */
    patientMessages(args: PatientMessagesArgs) {
      const key = JSON.stringify(args);
      let loaders = patientMessageLoaders.get(key);
      if (!loaders) {
        loaders = {
          pages: new DataLoader(async (numbers) => {
            const pages = await stores.messages.pagesByPatient(numbers, args.filter, args.size, args.after, scope);
            return numbers.map((n) => pages.get(n) ?? { nodes: [], cursors: [], hasNextPage: false });
          }),
          counts: new DataLoader(async (numbers) => {
            const counts = await stores.messages.countsByPatient(numbers, args.filter, scope);
            return numbers.map((n) => counts.get(n) ?? 0);
          }),
        };
        patientMessageLoaders.set(key, loaders);
      }
      return loaders;
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
