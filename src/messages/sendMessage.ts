/**
 * Sends one message: checks it against the NHS sender rules, stores it with its first
 * delivery attempt and an outbox item in one transaction, and leaves the sending to the
 * dispatcher. Idempotent on (organisation, idempotencyKey).
 */
import type { EntityManager } from 'typeorm';
import type { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import type { Message } from '../../entities/Message';
import type { Patient } from '../../entities/Patient';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../categories/messagingCategory';
import { isUniqueViolation } from '../db/uniqueViolation';
import { inUnitOfWork, type UnitOfWork, type UnitOfWorkDeps } from '../db/unitOfWork';
import { type DeliveryDeps, effectsOf, reachOf, writeEffects } from '../delivery/messageDelivery';
import { DeliveryDraft, type DeliveryEffects } from '../delivery/rules/deliveryDraft';
import { sendTransition } from '../delivery/rules/sendTransition';
import { assertOdsCode } from '../organisations/odsCode';
import type { OrganisationStore } from '../organisations/organisationStore';
import { isValidNhsNumber, normaliseNhsNumber } from '../patients/nhsNumber';
import { validateFallbackOrder } from '../preferences/fallbackOrder';
import { DAY_MS, HOUR_MS } from '../shared/durations';
import { HubError } from '../shared/errors';
import type { AccessScope } from '../shared/scope';
import { LegalBasis, MessageDirection, MessageStatus, ReportReason } from '../vocabulary/messages';
import type { PatientReportStore } from './patientReportStore';
import { requestFingerprint } from './requestFingerprint';
import type { SendMessageRequest } from './sendMessageRequest';
import { newMessage } from './newMessage';
import { checkContentWithoutPatient, checkLinksAgainstPatient } from './rules/contentRules';
import type { ContentReport } from './rules/contentReport';

/** Notes that a send consulted the patient's record, so the audit log shows it with the NHS number. */
export interface SendAudit {
  patientRecordConsulted(nhsNumber: string, operation: string): void;
}

export interface SendResult {
  message: Message;
  replayed: boolean;
}

export interface SendDeps extends DeliveryDeps, UnitOfWorkDeps {
  organisations: OrganisationStore;
  reports: PatientReportStore;
  maxMessagesPerPatientPerDay: number;
  /** Days an UNWANTED or TOO_MANY report pauses the organisation's non-urgent messages to the patient. */
  reportCoolingOffDays: number;
  /** Called after a send commits, so a local dispatcher can start at once. */
  onQueued?: () => void;
  /** Counts each send's outcome (accepted, replayed, or the error code) for operators. */
  observeSend?: (outcome: string) => void;
}

const MAX_UNREAD_FALLBACK_HOURS = 24 * 14;
export const COOLING_OFF_REASONS = [ReportReason.UNWANTED, ReportReason.TOO_MANY];

function validateRequest(request: SendMessageRequest): void {
  if (!request.legalBasis || !Object.values(LegalBasis).includes(request.legalBasis)) {
    throw new HubError('NO_LEGAL_BASIS', 'Every message needs a legal basis (for example DIRECT_CARE) and a purpose');
  }
  if (!request.purpose || request.purpose.trim() === '') throw new HubError('NO_LEGAL_BASIS', 'Every message needs a purpose: say why the patient is being contacted');
  if (request.purpose.length > 500) throw new HubError('BAD_USER_INPUT', 'purpose must be at most 500 characters');
  if (!isValidNhsNumber(request.nhsNumber)) throw new HubError('INVALID_NHS_NUMBER', `"${request.nhsNumber}" is not a valid NHS number`);
  const descriptor = MESSAGING_CATEGORY_DESCRIPTORS.find((d) => d.category === request.category);
  if (!descriptor || !descriptor.directions.includes(MessageDirection.OUTBOUND)) throw new HubError('BAD_USER_INPUT', `${request.category} messages cannot be sent`);
  if ((request.subject?.length ?? 0) > 200) throw new HubError('BAD_USER_INPUT', 'subject must be at most 200 characters');
  if (request.idempotencyKey != null && (request.idempotencyKey.trim() === '' || request.idempotencyKey.length > 200)) {
    throw new HubError('BAD_USER_INPUT', 'idempotencyKey must be 1 to 200 characters');
  }
  const hours = request.routing?.unreadFallbackHours;
  if (hours != null && (!Number.isInteger(hours) || hours < 0 || hours > MAX_UNREAD_FALLBACK_HOURS)) {
    throw new HubError('BAD_USER_INPUT', `routing.unreadFallbackHours must be a whole number of hours from 0 to ${MAX_UNREAD_FALLBACK_HOURS}`);
  }
  if (request.routing?.fallbackOrder) validateFallbackOrder(request.routing.fallbackOrder);
  const minutes = request.routing?.notifiedWithinMinutes;
  if (minutes != null && (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_UNREAD_FALLBACK_HOURS * 60)) {
    throw new HubError('BAD_USER_INPUT', `routing.notifiedWithinMinutes must be a whole number of minutes from 0 to ${MAX_UNREAD_FALLBACK_HOURS * 60}`);
  }
  if (request.expiresAt != null && Number.isNaN(request.expiresAt.getTime())) throw new HubError('BAD_USER_INPUT', 'expiresAt must be a date and time');
}

async function replayOf(deps: SendDeps, organisationOdsCode: string, key: string, fingerprint: string, manager?: EntityManager): Promise<SendResult | null> {
  const existing = await deps.stores.messages.findByIdempotencyKey(organisationOdsCode, key, manager);
  return existing ? replayAnswer({ organisationOdsCode, key, fingerprint }, existing) : null;
}

/** The end of the cooling-off period the patient's latest UNWANTED or TOO_MANY report about this organisation started, if any. */
function coolingOffEnd(deps: SendDeps, reportedAt: Date | null, now: Date): Date | null {
  const period = deps.reportCoolingOffDays * DAY_MS;
  if (period <= 0 || !reportedAt || reportedAt.getTime() <= now.getTime() - period) return null;
  return new Date(reportedAt.getTime() + period);
}

/** The earliest time a report can have been made and still pause a send made at `now`. */
export function coolingOffSince(deps: Pick<SendDeps, 'reportCoolingOffDays'>, now: Date): Date {
  return new Date(now.getTime() - deps.reportCoolingOffDays * DAY_MS);
}

export async function sendMessage(deps: SendDeps, input: SendMessageRequest, scope: AccessScope, audit?: SendAudit): Promise<SendResult> {
  try {
    const result = await storeMessage(deps, input, scope, audit);
    deps.observeSend?.(result.replayed ? 'replayed' : 'accepted');
    return result;
  } catch (error) {
    deps.observeSend?.(error instanceof HubError ? error.code : 'INTERNAL_SERVER_ERROR');
    throw error;
  }
}

/**
 * What a batch read for all its items in one go, inside its transaction after locking its
 * patients: each item asks here instead of querying, and tells it what it stored.
 */
export interface BatchLookups {
  lockedPatient(nhsNumber: string): Patient | null;
  organisationExists(odsCode: string): boolean;
  storedInBatch(organisationOdsCode: string, key: string): Message | undefined;
  preferenceChanges(nhsNumber: string): ChannelPreferenceChange[];
  recentNonUrgent(organisationOdsCode: string, nhsNumber: string): number;
  /** When the patient last reported the organisation's messages as unwanted or too many, within the cooling-off period. */
  lastCoolingOffReport(organisationOdsCode: string, nhsNumber: string): Date | null;
  /** The content report of a subject and body, built once per distinct text in the batch. */
  contentReport(subject: string | null, body: string): ContentReport;
  /** Takes an item's message and what its send decided, to be written with the batch's other items. */
  stored(uow: UnitOfWork, message: Message, effects: DeliveryEffects | null): void;
}

/** A request that passed every rule needing no database: what storing it needs. */
export interface PreparedSend {
  request: SendMessageRequest & { nhsNumber: string };
  timeCritical: boolean;
  content: { subject: string | null | undefined; body: string; mayGoToApp: boolean };
  organisationOdsCode: string;
  key: string | null;
  fingerprint: string;
}

/** Checks a request in memory: its fields, then the content rules that need no patient data. */
export function prepareSend(input: SendMessageRequest, scope: AccessScope): PreparedSend {
  const request = { ...input, nhsNumber: normaliseNhsNumber(input.nhsNumber) };
  validateRequest(request);
  const timeCritical = request.timeCritical ?? false;
  // Rules that need no patient data come first: a request they refuse never meets the record.
  const content = { subject: request.subject, body: request.body, mayGoToApp: !timeCritical };
  checkContentWithoutPatient(content);
  const organisationOdsCode = assertOdsCode(request.organisationOdsCode);
  if (scope.organisationOdsCode !== null && scope.organisationOdsCode !== organisationOdsCode) {
    throw new HubError('FORBIDDEN', `This key may only send for ${scope.organisationOdsCode}`);
  }
  return { request, timeCritical, content, organisationOdsCode, key: request.idempotencyKey?.trim() || null, fingerprint: requestFingerprint(request) };
}

/** The answer to a request whose idempotency key was already used: its replay, or DUPLICATE_REQUEST. */
export function replayAnswer(prepared: Pick<PreparedSend, 'organisationOdsCode' | 'key' | 'fingerprint'>, existing: Message): SendResult {
  if (existing.requestHash !== prepared.fingerprint) {
    throw new HubError('DUPLICATE_REQUEST', `idempotencyKey "${prepared.key}" was already used for a different message from ${prepared.organisationOdsCode}`);
  }
  return { message: existing, replayed: true };
}

async function storeMessage(deps: SendDeps, input: SendMessageRequest, scope: AccessScope, audit?: SendAudit): Promise<SendResult> {
  const prepared = prepareSend(input, scope);
  const { organisationOdsCode, key, fingerprint } = prepared;
  if (key) {
    const replay = await replayOf(deps, organisationOdsCode, key, fingerprint);
    if (replay) return replay;
  }

  try {
    return await inUnitOfWork(deps, (uow) => storePrepared(deps, uow, prepared, scope, audit));
  } catch (error) {
    // A concurrent request with the same key won the race: answer as its replay.
    if (key && isUniqueViolation(error)) {
      const replay = await replayOf(deps, organisationOdsCode, key, fingerprint);
      if (replay) return replay;
    }
    throw error;
  }
}

/** What a batch read under its locks about one item's patient, organisation and reports. */
function lockedInBatch(batch: BatchLookups, prepared: PreparedSend): { patient: Patient; organisationKnown: boolean; lastReportedAt: Date | null } | null {
  const patient = batch.lockedPatient(prepared.request.nhsNumber);
  if (!patient) return null;
  return { patient, organisationKnown: batch.organisationExists(prepared.organisationOdsCode), lastReportedAt: batch.lastCoolingOffReport(prepared.organisationOdsCode, patient.nhsNumber) };
}

/**
 * Stores a prepared send in a unit of work: locks the patient, checks the record-dependent
 * rules and writes the message with its first attempt. Batches call it once per item, and
 * write nothing here: every refusal comes first, and the batch writes its items' rows together.
 */
export async function storePrepared(deps: SendDeps, uow: UnitOfWork, prepared: PreparedSend, scope: AccessScope, audit?: SendAudit, batch?: BatchLookups): Promise<SendResult> {
  const { request, timeCritical, content, organisationOdsCode, key, fingerprint } = prepared;
  const now = deps.clock.now();
  // Locking the patient row makes concurrent sends to one patient count one after another.
  const locked = batch
    ? lockedInBatch(batch, prepared)
    : await deps.stores.patients.lockForSend(request.nhsNumber, organisationOdsCode, deps.reportCoolingOffDays > 0 ? { reasons: COOLING_OFF_REASONS, since: coolingOffSince(deps, now) } : null, uow.manager);
  if (!locked) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${request.nhsNumber}`);
  if (!locked.organisationKnown) throw new HubError('NOT_FOUND', `No organisation with ODS code ${organisationOdsCode}`);
  // Read once the lock is held, so both include the send that held it before.
  const checked = batch ? null : await deps.stores.messages.recentNonUrgentAndKeyed(organisationOdsCode, locked.patient.nhsNumber, new Date(now.getTime() - 24 * HOUR_MS), key, uow.manager);
  // A request that waited on the lock may be a replay of the send that held it. (A batch read
  // the earlier keys before it took the locks: one stored meanwhile fails the batch's insert,
  // and the batch then takes this per-item path.)
  if (key) {
    const earlier = batch ? batch.storedInBatch(organisationOdsCode, key) : checked?.keyedMessageId ? await deps.stores.messages.findByIdempotencyKey(organisationOdsCode, key, uow.manager) : undefined;
    if (earlier) return replayAnswer(prepared, earlier);
  }
  const { patient, preferences } = await reachOf(deps, uow, request.nhsNumber, now, { patient: locked.patient, changes: batch?.preferenceChanges(request.nhsNumber) });
  audit?.patientRecordConsulted(patient.nhsNumber, 'sendMessage');
  const mayReadPatient = scope.organisationOdsCode === null || patient.gpPracticeOdsCode === scope.organisationOdsCode;

  if (!timeCritical) {
    const recent = batch ? batch.recentNonUrgent(organisationOdsCode, patient.nhsNumber) : checked!.recentNonUrgent;
    if (recent >= deps.maxMessagesPerPatientPerDay) {
      throw new HubError(
        'TOO_MANY_MESSAGES',
        `${organisationOdsCode} has already sent this patient ${recent} non-urgent messages in the last 24 hours (limit ${deps.maxMessagesPerPatientPerDay}); send it later or mark it time-critical if it is`,
      );
    }
  }

  const routing = request.routing ?? {};
  const message = newMessage(
    {
      organisationOdsCode,
      nhsNumber: patient.nhsNumber,
      category: request.category,
      direction: MessageDirection.OUTBOUND,
      subject: request.subject?.trim() || null,
      body: request.body,
      status: MessageStatus.QUEUED,
      createdAt: now,
    },
    {
      legalBasis: request.legalBasis,
      purpose: request.purpose?.trim(),
      timeCritical,
      idempotencyKey: key,
      requestHash: fingerprint,
      fallbackOrder: routing.fallbackOrder?.length ? routing.fallbackOrder : null,
      unreadFallbackHours: routing.unreadFallbackHours ?? null,
      nudgeWhenUnnotified: routing.nudgeWhenUnnotified ?? false,
      notifiedWithinMinutes: routing.notifiedWithinMinutes || null,
      expiresAt: request.expiresAt ?? null,
      notificationsEnabledAtSend: preferences.notificationsEnabled,
      templateId: request.templateId ?? null,
    },
    batch ? (subject, body) => batch.contentReport(subject, body) : undefined,
  );
  const coolingOffUntil = coolingOffEnd(deps, locked.lastReportedAt, now);
  const transition = sendTransition(new DeliveryDraft(message, [], now), { patient, preferences }, deps, { coolingOffUntil });
  if (transition.outcome === 'refused' && !mayReadPatient && (transition.code === 'NO_REACHABLE_CHANNEL' || transition.code === 'RECIPIENT_INELIGIBLE')) {
    // The reasons would describe the patient's record: opt-outs, contact details, deceased or confidential.
    throw new HubError(transition.code, transition.code === 'NO_REACHABLE_CHANNEL' ? 'Neither the NHS App nor any fallback channel can reach this patient' : 'This patient cannot be sent this message');
  }
  const effects = effectsOf(transition);
  // Last of all, the links against the patient's own record: a request this lets through is a
  // real message to the patient, frequency-capped and audited, so probing costs what it reveals.
  checkLinksAgainstPatient(content, patient);
  if (batch) batch.stored(uow, message, effects);
  else if (effects) await writeEffects(deps, uow, message, [], effects, { messageIsNew: true });
  else await deps.stores.messages.insert(message, uow.manager);
  if (deps.onQueued) uow.afterCommit(deps.onQueued);
  return { message, replayed: false };
}
