/** The contract's custom scalars: DateTime (ISO 8601, UTC on output) and NhsNumber. */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isValidNhsNumber, normaliseNhsNumber } from '../patients/nhsNumber';

function invalid(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) {
    throw invalid('BAD_USER_INPUT', `DateTime must be an ISO 8601 string such as 2026-01-31T09:30:00Z, got ${JSON.stringify(value)}`);
  }
  const parsed = new Date(value);
  // Date accepts 2026-02-30 as 2 March: the calendar date must round-trip to count as real.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(parsed.getTime()) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw invalid('BAD_USER_INPUT', `DateTime ${JSON.stringify(value)} is not a real date`);
  }
  return parsed;
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
