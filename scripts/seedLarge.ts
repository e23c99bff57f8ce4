/**
 * Bulk load for benchmarks and analyst demos, on the database at DATABASE_URL:
 *
 *   npm run seed:large -- --messages 1000000 [--days 90] [--organisations 200] [--patients 50000]
 *                         [--seed 1] [--append] [--reset]
 *
 * Writes organisations (GP practices, trusts, pharmacies, community services of uneven size),
 * patients with valid NHS numbers in the 999 test range, and N hub-sent messages spread over
 * the last D days (more on weekdays and in working hours) with their delivery attempts and a
 * few patient reports, then rebuilds the delivery rollups. Outcomes follow the cascade: most
 * messages are delivered by the NHS App (about 60% of those read), some fall back to SMS,
 * email or letter, a few fail and the newest are still queued or sending.
 *
 * It refuses a database that already holds more than a handful of messages unless --append
 * is given; --reset first empties the message tables (messages, attempts, reports, outbox,
 * events, rollups). Rows go in as multi-row INSERTs inside transactions; on MySQL/MariaDB the
 * loading connection turns foreign-key and unique checks off for the load only. Progress goes
 * to stderr, the summary to stdout.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { rebuildAllRollups } from '../src/analytics/refreshRollups';
import { newIdAt } from '../src/shared/ids';
import { RollupStore } from '../src/analytics/rollupStore';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import { loadConfig } from '../src/config';
import { type Database, openDatabase } from '../src/db/database';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../src/vocabulary/delivery';
import { LegalBasis, MessageDirection, MessageStatus, ReportReason } from '../src/vocabulary/messages';
import { buildContentReport } from '../src/messages/rules/contentReport';
import { OrganisationType } from '../src/vocabulary/organisationType';
import { withCheckDigit } from '../src/patients/nhsNumber';
import { type Clock, systemClock } from '../src/shared/clock';
import { DAY_MS, HOUR_MS } from '../src/shared/durations';

export interface SeedLargeOptions {
  messages: number;
  /** Messages are created over the `days` days before `now` (default 90). */
  days?: number;
  organisations?: number;
  /** Default: one patient per 20 messages, between 100 and 50,000. */
  patients?: number;
  /** Add to a database that already holds messages. */
  append?: boolean;
  /** Empty the message tables first. */
  reset?: boolean;
  /** Seed of the generator, so two loads of the same size look alike (ids are random all the same). */
  seed?: number;
  /** Defaults to the clock's now. */
  now?: Date;
  clock?: Clock;
  /** Messages per transaction (default 10,000). */
  chunk?: number;
  /** Skip the rollup rebuild (the caller rebuilds). */
  skipRollups?: boolean;
  log?: (line: string) => void;
}

export interface SeedLargeResult {
  organisations: number;
  patients: number;
  messages: number;
  attempts: number;
  reports: number;
  loadSeconds: number;
  rollupSeconds: number;
  seconds: number;
}

/** More than this many messages already there and the seed refuses to run without --append. */
export const HANDFUL_OF_MESSAGES = 10;

/** MariaDB allows 65,535 placeholders in one statement; SQLite builds allow at least 32,766. */
const MAX_PLACEHOLDERS = { mysql: 65_535, sqlite: 32_766 } as const;
const ROWS_PER_STATEMENT = 2000;

/** Tables a --reset empties, children first. */
const MESSAGE_TABLES = ['patient_reports', 'delivery_attempts', 'outbox', 'hub_events', 'messages', 'delivery_rollups'];
/** Added by later migrations; emptied too when present. */
const OPTIONAL_MESSAGE_TABLES = ['delivery_rollups_daily', 'delivery_contributions'];

const MESSAGE_COLUMNS = [
  'id', 'organisation_ods_code', 'nhs_number', 'category', 'direction', 'subject', 'body', 'legal_basis', 'purpose', 'time_critical',
  'idempotency_key', 'request_hash', 'source_reference', 'status', 'scheduled_for', 'delivered_channel', 'fallback_used', 'reading_grade',
  'word_count', 'sms_fragments', 'content_warnings', 'fallback_order', 'unread_fallback_hours', 'nudge_when_unnotified',
  'notifications_enabled_at_send', 'created_at', 'updated_at', 'delivered_at', 'read_at', 'cancelled_at',
];
const ATTEMPT_COLUMNS = [
  'id', 'message_id', 'channel', 'sequence', 'status', 'failure_reason', 'provider_reference', 'notification', 'retry_count',
  'created_at', 'updated_at', 'sent_at', 'delivered_at', 'read_at', 'failed_at',
];
const REPORT_COLUMNS = ['id', 'message_id', 'reason', 'comment', 'created_at'];
const PATIENT_COLUMNS = [
  'nhs_number', 'given_name', 'family_name', 'date_of_birth', 'mobile_number', 'email', 'postal_address', 'nhs_app_user',
  'gp_practice_ods_code', 'created_at', 'updated_at',
];
const ORGANISATION_COLUMNS = ['ods_code', 'name', 'type', 'created_at', 'updated_at'];

type Row = unknown[];

// ---------------------------------------------------------------------------------------
// Deterministic randomness (ids excepted)

type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A log-normal draw: `median` × e^(sigma·N(0,1)). */
function logNormal(random: Random, median: number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * normal);
}

/** Picks from weighted choices with a prepared cumulative table. */
class Weighted<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(private readonly items: readonly T[], weights: readonly number[]) {
    let sum = 0;
    for (const w of weights) this.cumulative.push((sum += w));
    this.total = sum;
  }

  pick(random: Random): T {
    const target = random() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.cumulative[mid] > target) high = mid;
      else low = mid + 1;
    }
    return this.items[low];
  }
}

// ---------------------------------------------------------------------------------------
// Reference data

const GIVEN = ['Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Arthur', 'Ivy', 'Leo', 'Freya', 'Oscar', 'Lily', 'Harry', 'Grace', 'Jack', 'Sophie', 'Muhammad', 'Evie', 'Charlie', 'Aisha', 'Thomas', 'Priya', 'Jacob', 'Chloe', 'Margaret', 'David', 'Susan', 'Peter', 'Fatima'];
const FAMILY = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Khan', 'Hughes', 'Green', 'Hall', 'Lewis', 'Ahmed', 'Clarke', 'Roberts', 'Edwards', 'Begum'];
const TOWNS = ['Leeds', 'Bradford', 'Wakefield', 'Harrogate', 'York', 'Halifax', 'Huddersfield', 'Doncaster', 'Sheffield', 'Barnsley', 'Hull', 'Scarborough'];
const STREETS = ['High Street', 'Station Road', 'Church Lane', 'Park Avenue', 'Mill Road', 'Victoria Street', 'Green Lane', 'Manor Road'];
const PRACTICE_NAMES = ['Medical Centre', 'Surgery', 'Health Centre', 'Family Practice', 'Group Practice'];

interface Template {
  subject: string;
  body: string;
  purpose: string;
  readingGrade: number;
  wordCount: number;
  smsFragments: number;
  warnings: string;
}

const RAW_TEMPLATES: Record<MessagingCategory, Array<{ subject: string; body: string; purpose: string }>> = {
  [MessagingCategory.NHS_APP_MESSAGING]: [
    { subject: 'Appointment reminder', body: '# Appointment reminder\n\nYou have an appointment with the practice nurse on Tuesday at **10:30am**.\n\nIf you cannot come, please let us know.', purpose: 'Appointment reminder' },
    { subject: 'Your blood test results', body: '# Blood test results\n\nYour recent blood test results are normal. You do not need to do anything.\n\nIf you have questions, call the surgery.', purpose: 'Routine test results' },
    {
      subject: 'Your flu vaccination',
      body: '# Flu vaccination\n\nYou can now book your free flu vaccination at the surgery. The vaccine helps protect you from flu this winter, and it is safe to have it with other vaccines.\n\n[Book your flu vaccination](https://www.nhs.uk/vaccinations/flu-vaccine/)\n\nThank you.',
      purpose: 'Seasonal flu vaccination invitation',
    },
    {
      subject: 'Medication review',
      body: '# Medication review\n\nIt is time for your yearly medication review. A pharmacist will check that your medicines still work well for you and answer any questions you have about them.\n\n- Book a phone call with the pharmacist\n- Bring a list of your medicines, including any you buy yourself\n- Tell us about any side effects\n\nYou can book online or call the surgery between 8am and 6pm, Monday to Friday. If you have already booked, you do not need to do anything.\n\nThank you.',
      purpose: 'Annual medication review recall',
    },
    {
      subject: 'Cervical screening',
      body: '# Cervical screening\n\nYou are due for cervical screening. It helps protect you against cervical cancer.\n\nPlease book an appointment with the practice nurse. The test takes about 5 minutes.\n\n[Read about cervical screening](https://www.nhs.uk/conditions/cervical-screening/)',
      purpose: 'Cervical screening invitation',
    },
  ],
  [MessagingCategory.IM1_PFS]: [
    { subject: 'Your repeat prescription', body: 'Your repeat prescription is ready to collect from your nominated pharmacy from Friday.', purpose: 'Prescription update' },
    { subject: 'Re: your question', body: 'Thank you for your message. The doctor has reviewed it and would like you to book a routine appointment in the next two weeks.', purpose: 'Reply to patient' },
  ],
  [MessagingCategory.ONLINE_CONSULTATION]: [
    { subject: 'Your online consultation', body: 'Thank you for your online consultation. A clinician will call you tomorrow between 9am and 1pm.', purpose: 'Online consultation reply' },
  ],
  [MessagingCategory.PHR]: [
    {
      subject: 'Outpatient appointment letter',
      body: '# Outpatient appointment\n\nYour appointment at the orthopaedic clinic is on 3 March at 2pm.\n\nPlease arrive 10 minutes early and bring a list of your medicines.',
      purpose: 'Outpatient appointment letter',
    },
  ],
};

let templates: Record<MessagingCategory, Template[]> | null = null;

function messageTemplates(): Record<MessagingCategory, Template[]> {
  if (templates) return templates;
  const built = {} as Record<MessagingCategory, Template[]>;
  for (const [category, list] of Object.entries(RAW_TEMPLATES) as Array<[MessagingCategory, Array<{ subject: string; body: string; purpose: string }>]>) {
    built[category] = list.map((t) => {
      const report = buildContentReport(t.subject, t.body);
      // The SMS fallback text carries 1–3 fragments; keep the figure in that range.
      const smsFragments = Math.min(3, Math.max(1, report.smsFragments));
      return { ...t, readingGrade: report.readingGrade, wordCount: report.wordCount, smsFragments, warnings: JSON.stringify(report.warnings) };
    });
  }
  templates = built;
  return built;
}

interface SeedOrganisation {
  odsCode: string;
  name: string;
  type: OrganisationType;
  weight: number;
}

/** Deterministic organisations: the same count always gives the same codes, so --append reuses them. */
export function seedOrganisations(count: number, random: Random): SeedOrganisation[] {
  const organisations: SeedOrganisation[] = [];
  const trusts = Math.max(1, Math.round(count * 0.12));
  const pharmacies = Math.max(count >= 4 ? 1 : 0, Math.round(count * 0.1));
  const community = Math.max(count >= 4 ? 1 : 0, Math.round(count * 0.08));
  const practices = Math.max(1, count - trusts - pharmacies - community);
  const letters = 'ABCDEFGHJKLMNPQRSTUVWY';
  for (let i = 0; i < practices; i += 1) {
    const town = TOWNS[i % TOWNS.length];
    organisations.push({
      odsCode: `${letters[Math.floor(i / 1000) % letters.length]}9${String(1000 + (i % 1000)).slice(-4)}`,
      name: `${town} ${STREETS[i % STREETS.length].split(' ')[0]} ${PRACTICE_NAMES[i % PRACTICE_NAMES.length]}`,
      type: OrganisationType.GP_PRACTICE,
      weight: logNormal(random, 1, 0.6),
    });
  }
  for (let i = 0; i < trusts; i += 1) {
    organisations.push({ odsCode: `R${i % 10}${letters[Math.floor(i / 10) % letters.length]}`, name: `${TOWNS[i % TOWNS.length]} Teaching Hospitals NHS Trust`, type: OrganisationType.HOSPITAL_TRUST, weight: logNormal(random, 6, 0.5) });
  }
  for (let i = 0; i < pharmacies; i += 1) {
    organisations.push({ odsCode: `FS${String(100 + i).slice(-3)}`, name: `${TOWNS[i % TOWNS.length]} Pharmacy`, type: OrganisationType.PHARMACY, weight: logNormal(random, 0.3, 0.5) });
  }
  for (let i = 0; i < community; i += 1) {
    organisations.push({ odsCode: `NQ${String(100 + i).slice(-3)}`, name: `${TOWNS[i % TOWNS.length]} Community Health Services`, type: OrganisationType.COMMUNITY_SERVICE, weight: logNormal(random, 0.8, 0.5) });
  }
  return organisations.slice(0, Math.max(count, 1));
}

interface SeedPatient {
  nhsNumber: string;
  nhsAppUser: boolean;
  mobile: boolean;
}

// ---------------------------------------------------------------------------------------
// Writing rows

/** Multi-row INSERTs with `?` placeholders on one connection, within the placeholder limit. */
class BulkWriter {
  constructor(
    private readonly runner: QueryRunner,
    private readonly kind: Database['kind'],
  ) {}

  async insert(table: string, columns: string[], rows: Row[], ignoreDuplicates = false): Promise<void> {
    const perStatement = Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_PLACEHOLDERS[this.kind] / columns.length)));
    const verb = ignoreDuplicates ? (this.kind === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE') : 'INSERT';
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (let start = 0; start < rows.length; start += perStatement) {
      const slice = rows.slice(start, start + perStatement);
      const params: unknown[] = [];
      for (const row of slice) for (const value of row) params.push(this.bind(value));
      await this.runner.query(`${verb} INTO ${table} (${columns.join(', ')}) VALUES ${new Array(slice.length).fill(tuple).join(', ')}`, params);
    }
  }

  /** Dates as the driver stores them (UTC text on SQLite), booleans as 1/0. */
  private bind(value: unknown): unknown {
    if (value instanceof Date) return this.kind === 'mysql' ? value : value.toISOString().replace('T', ' ').replace('Z', '');
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value === undefined ? null : value;
  }
}

// ---------------------------------------------------------------------------------------
// Messages and their delivery story

type Outcome = 'APP' | 'SMS' | 'EMAIL' | 'LETTER' | 'FAILED' | 'CANCELLED' | 'QUEUED' | 'SENDING';

// With the other categories (almost all delivered in the app) this gives about 70% delivered by
// the NHS App, 16% by SMS, 3–4% by email, 2–3% by letter and 5% failed overall.
const FALLBACK_OUTCOMES = new Weighted<Outcome>(['APP', 'SMS', 'EMAIL', 'LETTER', 'FAILED', 'CANCELLED'], [65, 19, 4, 3, 5, 1]);
/** Categories without fallback either reach the NHS App or fail. */
const DIRECT_OUTCOMES = new Weighted<Outcome>(['APP', 'FAILED', 'CANCELLED'], [93, 6, 1]);
const CATEGORY_BY_TYPE: Record<OrganisationType, Weighted<MessagingCategory>> = {
  [OrganisationType.GP_PRACTICE]: new Weighted([MessagingCategory.NHS_APP_MESSAGING, MessagingCategory.IM1_PFS, MessagingCategory.ONLINE_CONSULTATION], [82, 12, 6]),
  [OrganisationType.HOSPITAL_TRUST]: new Weighted([MessagingCategory.NHS_APP_MESSAGING, MessagingCategory.PHR], [85, 15]),
  [OrganisationType.PHARMACY]: new Weighted([MessagingCategory.NHS_APP_MESSAGING], [1]),
  [OrganisationType.COMMUNITY_SERVICE]: new Weighted([MessagingCategory.NHS_APP_MESSAGING], [1]),
  [OrganisationType.OTHER]: new Weighted([MessagingCategory.NHS_APP_MESSAGING], [1]),
};
const REPORT_REASONS = new Weighted([ReportReason.UNWANTED, ReportReason.TOO_MANY, ReportReason.NOT_FOR_ME, ReportReason.INAPPROPRIATE, ReportReason.OTHER], [40, 25, 20, 5, 10]);
/** Relative sending volume by UTC hour: working hours, a small evening tail, almost nothing at night. */
const HOUR_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 9, 11, 11, 10, 8, 9, 10, 9, 8, 6, 3, 2, 1.5, 1, 0.6, 0.3];
const HOURS = new Weighted(HOUR_WEIGHTS.map((_, h) => h), HOUR_WEIGHTS);

/** SMS and email wait for 08:00–18:00 on weekdays (UTC here, close enough to London for a seed). */
function nextWorkingTime(at: number, random: Random): number {
  const d = new Date(at);
  const day = d.getUTCDay();
  const hour = d.getUTCHours();
  if (day >= 1 && day <= 5 && hour >= 8 && hour < 18) return at;
  const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 8, 0, 0) + (hour >= 8 ? DAY_MS : 0));
  while (next.getUTCDay() === 0 || next.getUTCDay() === 6) next.setTime(next.getTime() + DAY_MS);
  return next.getTime() + 60_000 * 30 * random();
}

interface Generated {
  message: Row;
  attempts: Row[];
  reports: Row[];
}

class MessageFactory {
  private readonly orgs: Weighted<SeedOrganisation>;
  private readonly templates = messageTemplates();

  constructor(
    private readonly random: Random,
    organisations: SeedOrganisation[],
    private readonly appUsers: SeedPatient[],
    private readonly otherPatients: SeedPatient[],
    private readonly now: number,
  ) {
    this.orgs = new Weighted(organisations, organisations.map((o) => o.weight));
  }

  private ref(channel: Channel): string {
    return `${channel.toLowerCase()}-${Math.floor(this.random() * 2 ** 52).toString(36)}`;
  }

  build(createdAtMs: number): Generated {
    const r = this.random;
    const now = this.now;
    const organisation = this.orgs.pick(r);
    const category = CATEGORY_BY_TYPE[organisation.type].pick(r);
    const fallbackAllowed = category === MessagingCategory.NHS_APP_MESSAGING;
    const ageHours = (now - createdAtMs) / HOUR_MS;
    // The newest messages are still on their way; a few older ones are stuck.
    const pending = 0.01 + 0.4 * Math.exp(-ageHours / 12);
    let outcome: Outcome = r() < pending ? (r() < 0.5 ? 'QUEUED' : 'SENDING') : (fallbackAllowed ? FALLBACK_OUTCOMES : DIRECT_OUTCOMES).pick(r);

    // Why the NHS App did not deliver: not an app user, or notifications off (UNNOTIFIED).
    const unnotified = (outcome === 'SMS' || outcome === 'EMAIL' || outcome === 'LETTER' || outcome === 'FAILED') && r() < 0.35;
    const appUser = outcome === 'APP' || outcome === 'CANCELLED' || unnotified || ((outcome === 'QUEUED' || outcome === 'SENDING') && r() < 0.8) || (outcome === 'FAILED' && !fallbackAllowed && r() < 0.5);
    const pool = appUser ? this.appUsers : this.otherPatients;
    const patient = pool[Math.floor(r() * pool.length)];
    const templateList = this.templates[category];
    const template = templateList[Math.floor(r() * templateList.length)];
    const id = newIdAt(createdAtMs);
    const created = new Date(createdAtMs);
    const at = (ms: number) => new Date(Math.min(ms, now));
    const attempts: Row[] = [];
    const reports: Row[] = [];
    let sequence = 0;
    // One attempt row in ATTEMPT_COLUMNS order.
    const attempt = (channel: Channel, status: DeliveryStatus, times: { start: number; sent?: number | null; delivered?: number | null; read?: number | null; failed?: number | null }, extra: { reason?: FailureReason | null; notification?: NotificationStatus | null; retries?: number } = {}) => {
      sequence += 1;
      const last = Math.max(times.start, times.sent ?? 0, times.delivered ?? 0, times.read ?? 0, times.failed ?? 0);
      const sentOrBeyond = times.sent != null;
      attempts.push([
        newIdAt(createdAtMs), id, channel, sequence, status, extra.reason ?? null, sentOrBeyond ? this.ref(channel) : null, extra.notification ?? null, extra.retries ?? 0,
        at(times.start), at(last), times.sent != null ? at(times.sent) : null, times.delivered != null ? at(times.delivered) : null, times.read != null ? at(times.read) : null, times.failed != null ? at(times.failed) : null,
      ]);
    };

    let status: MessageStatus;
    // Filled in by the closures below (an object, so TypeScript does not narrow them to null).
    const s: { deliveredChannel: Channel | null; deliveredAt: number | null; readAt: number | null; cancelledAt: number | null } = { deliveredChannel: null, deliveredAt: null, readAt: null, cancelledAt: null };
    let fallbackUsed = false;
    let fallbackOrder: string | null = null;
    let t = createdAtMs + 100 + r() * 900; // the dispatcher picks it up within a second

    // The NHS App attempt that did not deliver, and when the cascade moved on.
    const appDidNotDeliver = () => {
      if (unnotified) {
        const sent = t + 200 + r() * 800;
        const failed = sent + 60_000 + r() * 9 * 60_000;
        attempt(Channel.NHS_APP, DeliveryStatus.FAILED, { start: t, sent, failed }, { reason: FailureReason.UNNOTIFIED, notification: NotificationStatus.UNNOTIFIED });
        t = failed + 500;
      } else {
        attempt(Channel.NHS_APP, DeliveryStatus.SKIPPED, { start: t }, { reason: FailureReason.NOT_NHS_APP_USER });
        t += 200 + r() * 800;
      }
    };
    // A fallback channel that did not deliver: skipped (no contact details) or failed after sending.
    const channelDidNotDeliver = (channel: Channel) => {
      if (r() < 0.5) {
        attempt(channel, DeliveryStatus.SKIPPED, { start: t }, { reason: r() < 0.8 ? FailureReason.NO_CONTACT_DETAILS : FailureReason.CHANNEL_OPTED_OUT });
        t += 100 + r() * 400;
      } else {
        const sent = channel === Channel.LETTER ? t + 1000 : nextWorkingTime(t, r) + 1000 + r() * 4000;
        const failed = sent + logNormal(r, channel === Channel.LETTER ? 2 * DAY_MS : 40_000, 0.8);
        attempt(channel, DeliveryStatus.FAILED, { start: t, sent, failed }, { reason: r() < 0.7 ? FailureReason.INVALID_CONTACT_DETAILS : FailureReason.PROVIDER_REJECTED, retries: r() < 0.2 ? 1 + Math.floor(r() * 3) : 0 });
        t = failed + 500;
      }
    };
    const deliverOn = (channel: Channel) => {
      const sent = channel === Channel.NHS_APP || channel === Channel.LETTER ? t + 200 + r() * 800 : nextWorkingTime(t, r) + 200 + r() * 2000;
      const delay = channel === Channel.NHS_APP ? (r() < 0.04 ? logNormal(r, 30 * 60_000, 1) : logNormal(r, 8_000, 1.1)) : channel === Channel.LETTER ? DAY_MS * (1 + r() * 2) : logNormal(r, channel === Channel.SMS ? 15_000 : 40_000, 1.2);
      const delivered = sent + delay;
      if (delivered > now) {
        // Still on its way (a letter in the post, a late receipt).
        attempt(channel, DeliveryStatus.SENT, { start: t, sent: Math.min(sent, now) });
        return false;
      }
      const read = channel === Channel.NHS_APP && r() < 0.6 ? delivered + logNormal(r, 2 * HOUR_MS, 1.5) : null;
      const isRead = read !== null && read <= now;
      attempt(channel, isRead ? DeliveryStatus.READ : DeliveryStatus.DELIVERED, { start: t, sent, delivered, read: isRead ? read : null }, { notification: channel === Channel.NHS_APP ? NotificationStatus.NOTIFIED : null });
      s.deliveredChannel = channel;
      s.deliveredAt = delivered;
      s.readAt = isRead ? read : null;
      return true;
    };

    switch (outcome) {
      case 'APP':
        status = deliverOn(Channel.NHS_APP) ? (s.readAt !== null ? MessageStatus.READ : MessageStatus.DELIVERED) : MessageStatus.SENDING;
        break;
      case 'SMS':
      case 'EMAIL':
      case 'LETTER': {
        fallbackUsed = true;
        appDidNotDeliver();
        // The route to the delivering channel: the default order SMS, EMAIL, LETTER, or the patient's EMAIL-first order.
        let before: Channel[];
        const emailFirst = r() < 0.5;
        if (outcome === 'SMS') before = emailFirst ? [Channel.EMAIL] : [];
        else if (outcome === 'EMAIL') before = emailFirst ? [] : [Channel.SMS];
        else before = r() < 0.3 ? [Channel.SMS] : [Channel.SMS, Channel.EMAIL];
        if (emailFirst && outcome !== 'LETTER') fallbackOrder = JSON.stringify([Channel.EMAIL, Channel.SMS, Channel.LETTER]);
        for (const channel of before) channelDidNotDeliver(channel);
        status = deliverOn(outcome as Channel) ? MessageStatus.DELIVERED : MessageStatus.SENDING;
        break;
      }
      case 'FAILED':
        if (!fallbackAllowed) {
          if (appUser) {
            const sent = t + 500;
            attempt(Channel.NHS_APP, DeliveryStatus.FAILED, { start: t, sent, failed: sent + 2000 }, { reason: FailureReason.PROVIDER_REJECTED });
          } else attempt(Channel.NHS_APP, DeliveryStatus.SKIPPED, { start: t }, { reason: FailureReason.NOT_NHS_APP_USER });
        } else {
          fallbackUsed = true;
          appDidNotDeliver();
          const roll = r();
          const chain = roll < 0.2 ? [Channel.SMS] : roll < 0.5 ? [Channel.SMS, Channel.EMAIL] : [Channel.SMS, Channel.EMAIL, Channel.LETTER];
          for (const channel of chain) channelDidNotDeliver(channel);
        }
        status = MessageStatus.FAILED;
        break;
      case 'CANCELLED':
        attempt(Channel.NHS_APP, DeliveryStatus.SKIPPED, { start: t });
        s.cancelledAt = Math.min(t + 60_000 + r() * 20 * 60_000, now);
        status = MessageStatus.CANCELLED;
        break;
      case 'QUEUED':
        if (appUser) attempt(Channel.NHS_APP, DeliveryStatus.PENDING, { start: t });
        else {
          fallbackUsed = true;
          attempt(Channel.NHS_APP, DeliveryStatus.SKIPPED, { start: t }, { reason: FailureReason.NOT_NHS_APP_USER });
          attempt(Channel.SMS, DeliveryStatus.PENDING, { start: t + 300 });
        }
        status = MessageStatus.QUEUED;
        break;
      default:
        outcome = 'SENDING';
        if (appUser) attempt(Channel.NHS_APP, DeliveryStatus.SENT, { start: t, sent: t + 300 });
        else {
          fallbackUsed = true;
          attempt(Channel.NHS_APP, DeliveryStatus.SKIPPED, { start: t }, { reason: FailureReason.NOT_NHS_APP_USER });
          attempt(Channel.SMS, DeliveryStatus.SENT, { start: t + 300, sent: t + 1300 });
        }
        status = MessageStatus.SENDING;
    }

    // A few patients report what they received.
    const { deliveredChannel, deliveredAt, readAt, cancelledAt } = s;
    if (deliveredAt !== null && r() < 0.005) {
      const count = r() < 0.1 ? 2 : 1;
      for (let i = 0; i < count; i += 1) {
        const reportedAt = Math.min((readAt ?? deliveredAt) + logNormal(r, HOUR_MS, 1.5), now);
        reports.push([randomUUID(), id, REPORT_REASONS.pick(r), r() < 0.3 ? 'Not relevant to me' : null, new Date(reportedAt)]);
      }
    }

    const updatedAt = Math.min(Math.max(createdAtMs, deliveredAt ?? 0, readAt ?? 0, cancelledAt ?? 0, t), now);
    const message: Row = [
      id, organisation.odsCode, patient.nhsNumber, category, MessageDirection.OUTBOUND, template.subject, template.body,
      r() < 0.9 ? LegalBasis.DIRECT_CARE : LegalBasis.PUBLIC_TASK, template.purpose, r() < 0.02, null, null, null, status, null,
      deliveredChannel, fallbackUsed, template.readingGrade, template.wordCount, template.smsFragments, template.warnings, fallbackOrder,
      fallbackAllowed ? 24 : null, false, appUser ? !unnotified : null, created, new Date(updatedAt),
      deliveredAt !== null ? new Date(deliveredAt) : null, readAt !== null ? new Date(readAt) : null, cancelledAt !== null ? new Date(cancelledAt) : null,
    ];
    return { message, attempts, reports };
  }
}

/** Creation instants over [now − days, now), sorted, weighted to weekdays and working hours. */
function creationTimes(count: number, days: number, now: number, random: Random): Float64Array {
  const from = now - days * DAY_MS;
  const times = new Float64Array(count);
  for (let i = 0; i < count; i += 1) {
    for (;;) {
      const dayStart = Math.floor((from + random() * (now - from)) / DAY_MS) * DAY_MS;
      const weekday = new Date(dayStart).getUTCDay();
      if ((weekday === 0 || weekday === 6) && random() > 0.35) continue;
      const at = dayStart + HOURS.pick(random) * HOUR_MS + Math.floor(random() * HOUR_MS);
      if (at < from || at >= now) continue;
      times[i] = at;
      break;
    }
  }
  return times.sort();
}

// ---------------------------------------------------------------------------------------

async function countMessages(db: Database): Promise<number> {
  const [{ n }] = await db.dataSource.query('SELECT COUNT(*) AS n FROM messages');
  return Number(n);
}

async function tableExists(db: Database, table: string): Promise<boolean> {
  const runner = db.dataSource.createQueryRunner();
  try {
    return await runner.hasTable(table);
  } finally {
    await runner.release();
  }
}

async function resetMessageTables(db: Database, runner: QueryRunner): Promise<void> {
  const tables = [...MESSAGE_TABLES];
  for (const table of OPTIONAL_MESSAGE_TABLES) if (await tableExists(db, table)) tables.push(table);
  if (db.kind === 'mysql') {
    // TRUNCATE is immediate on a million rows; the session's FK checks are already off.
    for (const table of tables) await runner.query(`TRUNCATE TABLE ${table}`);
  } else {
    await runner.startTransaction();
    for (const table of tables) await runner.query(`DELETE FROM ${table}`);
    await runner.commitTransaction();
  }
  await runner.query("DELETE FROM hub_state WHERE name = 'rollups.watermark'");
}

/** Loads the data set; `db` is an open, migrated hub database. */
export async function seedLarge(db: Database, options: SeedLargeOptions): Promise<SeedLargeResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = options.clock ?? systemClock;
  const now = (options.now ?? clock.now()).getTime();
  const days = options.days ?? 90;
  const messageCount = Math.floor(options.messages);
  const organisationCount = options.organisations ?? 200;
  const patientCount = options.patients ?? Math.min(50_000, Math.max(100, Math.round(messageCount / 20)));
  const chunk = options.chunk ?? 10_000;
  if (!(messageCount >= 0) || !(days > 0) || !(organisationCount >= 1) || !(patientCount >= 4)) {
    throw new Error('seedLarge: messages ≥ 0, days > 0, organisations ≥ 1 and patients ≥ 4 are required');
  }
  const started = Date.now();

  const runner = db.dataSource.createQueryRunner();
  await runner.connect();
  const writer = new BulkWriter(runner, db.kind);
  let attemptCount = 0;
  let reportCount = 0;
  let loadSeconds = 0;
  try {
    if (db.kind === 'mysql') {
      await runner.query('SET SESSION FOREIGN_KEY_CHECKS = 0');
      await runner.query('SET SESSION UNIQUE_CHECKS = 0');
    }
    if (options.reset) {
      log('seed: emptying the message tables (--reset)');
      await resetMessageTables(db, runner);
    }
    if (db.kind === 'mysql' && messageCount >= 100_000) {
      // About 2 KB of rows and indexes per message: a buffer pool much smaller than that turns
      // the random-id inserts and the rollup rebuild into disk reads (several times slower).
      const [{ size }] = await runner.query('SELECT @@innodb_buffer_pool_size AS size');
      const needed = messageCount * 2048;
      if (Number(size) < needed / 2) {
        log(`seed: note: innodb_buffer_pool_size is ${Math.round(Number(size) / 2 ** 20)} MiB for about ${Math.round(needed / 2 ** 30)} GiB of data; expect the load to be I/O-bound (a pool of ${Math.ceil(needed / 2 ** 30)} GiB or more keeps it in memory)`);
      }
    }
    const existing = await countMessages(db);
    if (existing > HANDFUL_OF_MESSAGES && !options.append) {
      throw new Error(`seed: the database already holds ${existing.toLocaleString('en-GB')} messages; pass --append to add to them or --reset to empty the message tables first`);
    }

    const random = mulberry32(options.seed ?? 1);
    const organisations = seedOrganisations(organisationCount, random);
    const practices = organisations.filter((o) => o.type === OrganisationType.GP_PRACTICE);
    const createdAt = new Date(now - (days + 30) * DAY_MS);
    const patients: SeedPatient[] = [];
    const patientRows: Row[] = [];
    for (let stem = 999_100_000; patients.length < patientCount; stem += 1) {
      const nhsNumber = withCheckDigit(String(stem));
      if (!nhsNumber) continue;
      const i = patients.length;
      const given = GIVEN[Math.floor(random() * GIVEN.length)];
      const family = FAMILY[Math.floor(random() * FAMILY.length)];
      const mobile = random() < 0.88;
      const nhsAppUser = random() < 0.75;
      const dob = `${1930 + Math.floor(random() * 90)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
      patients.push({ nhsNumber, nhsAppUser, mobile });
      patientRows.push([
        nhsNumber, given, family, dob, mobile ? `+4477009${String(i % 100_000).padStart(5, '0')}` : null, random() < 0.45 ? `${given}.${family}${i}@example.com`.toLowerCase() : null,
        `${1 + (i % 200)} ${STREETS[i % STREETS.length]}, ${TOWNS[i % TOWNS.length]}, LS${1 + (i % 28)} ${1 + (i % 9)}AB`, nhsAppUser, practices[i % practices.length].odsCode, createdAt, createdAt,
      ]);
    }
    // Both pools must be non-empty for every outcome to find a patient.
    if (!patients.some((p) => p.nhsAppUser)) patients[0].nhsAppUser = true;
    if (patients.every((p) => p.nhsAppUser)) patients[patients.length - 1].nhsAppUser = false;
    for (const [i, p] of patients.entries()) patientRows[i][7] = p.nhsAppUser;

    await runner.startTransaction();
    await writer.insert('organisations', ORGANISATION_COLUMNS, organisations.map((o) => [o.odsCode, o.name, o.type, createdAt, createdAt]), true);
    await writer.insert('patients', PATIENT_COLUMNS, patientRows, true);
    await runner.commitTransaction();
    log(`seed: ${organisations.length} organisations, ${patients.length.toLocaleString('en-GB')} patients; generating ${messageCount.toLocaleString('en-GB')} messages over ${days} days`);

    const times = creationTimes(messageCount, days, now, random);
    const factory = new MessageFactory(random, organisations, patients.filter((p) => p.nhsAppUser), patients.filter((p) => !p.nhsAppUser), now);
    const loadStarted = Date.now();
    let lastProgress = loadStarted;
    for (let offset = 0; offset < messageCount; offset += chunk) {
      const messages: Row[] = [];
      const attempts: Row[] = [];
      const reports: Row[] = [];
      for (let i = offset; i < Math.min(offset + chunk, messageCount); i += 1) {
        const generated = factory.build(times[i]);
        messages.push(generated.message);
        for (const a of generated.attempts) attempts.push(a);
        for (const rep of generated.reports) reports.push(rep);
      }
      await runner.startTransaction();
      try {
        await writer.insert('messages', MESSAGE_COLUMNS, messages);
        await writer.insert('delivery_attempts', ATTEMPT_COLUMNS, attempts);
        if (reports.length) await writer.insert('patient_reports', REPORT_COLUMNS, reports);
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
      attemptCount += attempts.length;
      reportCount += reports.length;
      const done = offset + messages.length;
      if (Date.now() - lastProgress > 5000 || done === messageCount) {
        lastProgress = Date.now();
        const seconds = (lastProgress - loadStarted) / 1000;
        log(`seed: ${done.toLocaleString('en-GB')}/${messageCount.toLocaleString('en-GB')} messages (${Math.round((done / messageCount) * 100)}%), ${attemptCount.toLocaleString('en-GB')} attempts, ${seconds.toFixed(1)} s, ${Math.round(done / Math.max(seconds, 0.001)).toLocaleString('en-GB')} messages/s`);
      }
    }
    loadSeconds = (Date.now() - started) / 1000;
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    if (db.kind === 'mysql') {
      await runner.query('SET SESSION FOREIGN_KEY_CHECKS = 1').catch(() => undefined);
      await runner.query('SET SESSION UNIQUE_CHECKS = 1').catch(() => undefined);
    }
    await runner.release();
  }

  let rollupSeconds = 0;
  if (!options.skipRollups) {
    log('seed: rebuilding the delivery rollups');
    const rollupsStarted = Date.now();
    await rebuildAllRollups({ rollups: new RollupStore(db), clock });
    rollupSeconds = (Date.now() - rollupsStarted) / 1000;
    log(`seed: rollups rebuilt in ${rollupSeconds.toFixed(1)} s`);
  }
  return {
    organisations: organisationCount,
    patients: patientCount,
    messages: messageCount,
    attempts: attemptCount,
    reports: reportCount,
    loadSeconds,
    rollupSeconds,
    seconds: (Date.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------
// Command line

const USAGE = 'usage: seed:large -- --messages N [--days 90] [--organisations 200] [--patients P] [--seed 1] [--append] [--reset]';

export function parseSeedArgs(args: string[]): SeedLargeOptions {
  const value = (name: string): number | undefined => {
    const index = args.indexOf(`--${name}`);
    if (index === -1) return undefined;
    const raw = args[index + 1];
    const parsed = Number(raw?.replace(/_/g, ''));
    if (raw === undefined || raw.startsWith('--') || !Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} needs a non-negative number`);
    return parsed;
  };
  const known = new Set(['--messages', '--days', '--organisations', '--patients', '--seed', '--append', '--reset']);
  for (const arg of args) if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg}`);
  const messages = value('messages');
  if (messages === undefined) throw new Error('--messages is required');
  return {
    messages,
    days: value('days'),
    organisations: value('organisations'),
    patients: value('patients'),
    seed: value('seed'),
    append: args.includes('--append'),
    reset: args.includes('--reset'),
  };
}

async function main(args: string[]): Promise<number> {
  let options: SeedLargeOptions;
  try {
    options = parseSeedArgs(args);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  process.stderr.write(`seed: database ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}\n`);
  const db = await openDatabase(config.databaseUrl);
  try {
    const result = await seedLarge(db, options);
    process.stdout.write(
      `Seeded ${result.messages.toLocaleString('en-GB')} messages, ${result.attempts.toLocaleString('en-GB')} delivery attempts (${(result.attempts / Math.max(result.messages, 1)).toFixed(2)} per message), ` +
        `${result.reports.toLocaleString('en-GB')} patient reports, ${result.patients.toLocaleString('en-GB')} patients, ${result.organisations} organisations ` +
        `in ${result.seconds.toFixed(1)} s (load ${result.loadSeconds.toFixed(1)} s, rollups ${result.rollupSeconds.toFixed(1)} s)\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
