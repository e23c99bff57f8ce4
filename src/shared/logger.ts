/**
 * Structured logs. Message bodies and patient identifiers are never logged: the redact
 * list removes them should a caller pass them by mistake.
 */
import pino from 'pino';

export type HubLogger = pino.Logger;

export const REDACTED_PATHS = ['body', 'nhsNumber', 'givenName', 'familyName', 'dateOfBirth', 'mobileNumber', 'email', 'postalAddress', '*.body', '*.nhsNumber', '*.givenName', '*.familyName', '*.dateOfBirth', '*.mobileNumber', '*.email', '*.postalAddress', 'req.headers.authorization'];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): HubLogger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  return pino({ level, base: { service: 'nhs-app-messaging-hub' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, options.destination);
}
