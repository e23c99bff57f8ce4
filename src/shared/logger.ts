/**
 * Structured logs. Message bodies and patient identifiers are never logged: the redact
 * list removes them should a caller pass them by mistake.
 */
import pino from 'pino';
import { PATIENT_IDENTIFIER_FIELDS } from '../vocabulary/patientIdentifiers';

export type HubLogger = pino.Logger;

const REDACTED_FIELDS = ['body', ...PATIENT_IDENTIFIER_FIELDS];
export const REDACTED_PATHS = [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((field) => `*.${field}`), 'req.headers.authorization'];

const NHS_NUMBER_LIKE = /\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b/g;
const QUOTED_VALUE = /'[^']*'/g;

/**
 * Errors are logged by type, code and stack only. Database errors carry the statement's
 * parameters and quote row values in their messages, so those are left out or masked.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const e = error as Error & { code?: unknown; errno?: unknown; query?: unknown; driverError?: { code?: unknown } };
  const fromDatabase = e.query !== undefined || e.driverError !== undefined;
  const mask = (text: string) => text.replace(QUOTED_VALUE, "'…'").replace(NHS_NUMBER_LIKE, '…');
  return {
    type: e.name,
    code: e.code ?? e.driverError?.code,
    message: fromDatabase ? undefined : mask(e.message),
    stack: e.stack ? mask(e.stack.split('\n').slice(fromDatabase ? 1 : 0).join('\n')) : undefined,
  };
}

/**
 * In production (NODE_ENV=production) lines go to stdout asynchronously: a request's log line
 * is queued and written in the background, coalesced with others under load, instead of
 * blocking the event loop on a write(2) per line. `flushLogs` writes what is queued before
 * the process exits (pino also flushes it on a plain exit); elsewhere each line is written at once.
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): HubLogger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  const destination = options.destination ?? (process.env.NODE_ENV === 'production' ? pino.destination({ dest: 1, sync: false }) : undefined);
  return pino({ level, base: { service: 'nhs-app-messaging-hub' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { err: errorForLog } }, destination);
}

/** Writes every queued log line; resolves once they are written (or could not be). */
export function flushLogs(logger: HubLogger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}
