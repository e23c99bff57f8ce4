/**
 * Every failure the hub reports to a client carries one of the contract's ErrorCode values
 * in `extensions.code`. Domain code throws HubError; transport maps it to a GraphQL error.
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'INVALID_NHS_NUMBER',
  'PATIENT_NOT_FOUND',
  'NOT_FOUND',
  'NO_LEGAL_BASIS',
  'PERSONAL_DATA_IN_URL',
  'UNSUPPORTED_CONTENT',
  'NO_REACHABLE_CHANNEL',
  'TOO_MANY_MESSAGES',
  'DUPLICATE_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
  'PERSONALISATION_MISSING',
  'RECIPIENT_INELIGIBLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export function isHubError(error: unknown): error is HubError {
  return error instanceof HubError;
}
