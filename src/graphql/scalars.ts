/** The contract's custom scalars: DateTime (ISO 8601, UTC on output) and NhsNumber. */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isValidNhsNumber, normaliseNhsNumber } from '../patients/nhsNumber';
import { isHubError } from '../shared/errors';
import { parseInstant } from '../shared/instants';

function invalid(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

function parseDateTime(value: unknown): Date {
  try {
    return parseInstant(value, 'DateTime');
  } catch (error) {
    if (isHubError(error)) throw invalid(error.code, error.message);
    throw error;
  }
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant as an ISO 8601 string; output is always UTC with milliseconds.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid('BAD_USER_INPUT', 'DateTime must be a string');
    return parseDateTime(ast.value);
  },
});

function parseNhsNumber(value: unknown): string {
  if (typeof value !== 'string') throw invalid('INVALID_NHS_NUMBER', 'NHS number must be a string of 10 digits');
  const digits = normaliseNhsNumber(value);
  if (!isValidNhsNumber(digits)) {
    throw invalid('INVALID_NHS_NUMBER', `"${value}" is not a valid NHS number: it needs 10 digits with a valid Modulus 11 check digit`);
  }
  return digits;
}

export const NhsNumberScalar = new GraphQLScalarType<string, string>({
  name: 'NhsNumber',
  description: 'A 10-digit NHS number with a valid Modulus 11 check digit; spaces or dashes are allowed on input and removed.',
  serialize: (value) => String(value),
  parseValue: parseNhsNumber,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid('INVALID_NHS_NUMBER', 'NHS number must be a string of 10 digits');
    return parseNhsNumber(ast.value);
  },
});
