/**
 * Maps every error a client can see onto the contract's ErrorCode in extensions.code.
 * Unexpected errors become INTERNAL_SERVER_ERROR with a correlation id that is also
 * logged, so an operator can find the cause without the client seeing stack or SQL.
 */
import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ERROR_CODES, type ErrorCode, isHubError } from '../shared/errors';
import type { HubLogger } from '../shared/logger';
import { isQueryLimitError, queryLimitMessage } from './queryLimits';

const APOLLO_INPUT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

function isContractCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/** The most specific contract code in the error chain (a scalar's INVALID_NHS_NUMBER beats Apollo's BAD_USER_INPUT). */
function contractCode(error: unknown): ErrorCode | null {
  let current: unknown = error;
  let found: ErrorCode | null = null;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (isHubError(current)) return current.code;
    if (current instanceof GraphQLError && isContractCode(current.extensions?.code)) found = current.extensions.code as ErrorCode;
    current = (current as { originalError?: unknown }).originalError;
  }
  return found;
}

export function createErrorFormatter(options: { production: boolean; logger: HubLogger }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { locations: formatted.locations, path: formatted.path };
    // graphql-armor tags its refusals BAD_USER_INPUT; they are the contract's QUERY_TOO_COMPLEX.
    if (isQueryLimitError(formatted.message)) return { ...base, message: queryLimitMessage(formatted.message), extensions: { code: 'QUERY_TOO_COMPLEX' } };
    const code = contractCode(error) ?? contractCode(original);
    if (code && code !== 'INTERNAL_SERVER_ERROR') {
      return { ...base, message: formatted.message, extensions: { code } };
    }
    const apolloCode = formatted.extensions?.code;
    // type-graphql's @Authorized refusal
    if (apolloCode === 'UNAUTHORIZED') return { ...base, message: 'This API key is not allowed to do that', extensions: { code: 'FORBIDDEN' } };
    if (typeof apolloCode === 'string' && APOLLO_INPUT_CODES.has(apolloCode)) {
      return { ...base, message: formatted.message, extensions: { code: 'BAD_USER_INPUT' } };
    }
    const correlationId = randomUUID();
    options.logger.error({ correlationId, err: original }, 'unexpected error while answering a GraphQL request');
    return {
      ...base,
      message: options.production ? `Internal server error (correlation id ${correlationId})` : `Internal server error (correlation id ${correlationId}): ${(original as Error)?.message ?? 'unknown'}`,
      extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
    };
  };
}
