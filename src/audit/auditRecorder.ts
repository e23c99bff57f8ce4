/**
 * Collects one request's audit entries — which patient's personal data fields were read,
 * and each mutation with its outcome — and appends them when the response is sent.
 */
import { AuditEvent } from '../../entities/AuditEvent';
import type { Principal } from '../auth/apiKeys';
import type { Clock } from '../shared/clock';
import { PATIENT_IDENTIFIER_FIELDS } from '../vocabulary/patientIdentifiers';
import type { AuditStore } from './auditStore';

/** Fields of a Patient, and of a Message, that are personal data. */
export const PATIENT_DATA_FIELDS = new Set<string>([...PATIENT_IDENTIFIER_FIELDS, 'nhsAppUser', 'gpPractice', 'channelPreferences', 'messages']);
const RECORD_FIELDS_A_SEND_CONSULTS = [...PATIENT_IDENTIFIER_FIELDS, 'nhsAppUser', 'channelPreferences'];
export const MESSAGE_DATA_FIELDS = new Set(['subject', 'body']);

export class AuditRecorder {
  private readonly reads = new Map<string, { operation: string; fields: Set<string> }>();
  private readonly mutations: Array<{ operation: string; outcome: string }> = [];

  constructor(
    private readonly principal: Principal | null,
    private readonly requestId: string,
    private readonly clock: Clock,
  ) {}

  patientDataRead(nhsNumber: string, field: string, operation: string): void {
    const entry = this.reads.get(nhsNumber) ?? { operation, fields: new Set<string>() };
    entry.fields.add(field);
    this.reads.set(nhsNumber, entry);
  }

  /** A send checked content and channels against the patient's record: what it consulted, by NHS number. */
  patientRecordConsulted(nhsNumber: string, operation: string): void {
    for (const field of RECORD_FIELDS_A_SEND_CONSULTS) this.patientDataRead(nhsNumber, field, operation);
  }

  mutation(operation: string, outcome: string): void {
    this.mutations.push({ operation, outcome });
  }

  async flush(store: AuditStore): Promise<void> {
    if (!this.principal || (this.reads.size === 0 && this.mutations.length === 0)) return;
    const at = this.clock.now();
    const base = { occurredAt: at, apiKeyId: this.principal.keyId, role: this.principal.role, requestId: this.requestId };
    const events = [
      ...[...this.reads].map(([nhsNumber, read]) =>
        Object.assign(new AuditEvent(), { ...base, action: 'PATIENT_DATA_READ' as const, operation: read.operation, nhsNumber, fields: [...read.fields].sort(), outcome: 'OK' }),
      ),
      ...this.mutations.map((m) => Object.assign(new AuditEvent(), { ...base, action: 'MUTATION' as const, operation: m.operation, nhsNumber: null, fields: null, outcome: m.outcome })),
    ];
    this.reads.clear();
    this.mutations.length = 0;
    await store.append(events);
  }
}
