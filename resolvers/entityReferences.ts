/**
 * Federation entity references (`_entities`): how a gateway turns a key into a Patient,
 * Message or Organisation. Each goes through the request's DataLoaders, so a batch of
 * references costs one statement per kind, and through the same role check and
 * organisation scope as the `patient`, `message` and `organisation` queries: a reference
 * the key may not see resolves to null, exactly as those queries answer.
 */
import type { Message } from '../entities/Message';
import type { Organisation } from '../entities/Organisation';
import type { Patient } from '../entities/Patient';
import { assertRole } from '../src/auth/assertRole';
import type { HubContext } from '../src/graphql/context';
import { NhsNumberScalar } from '../src/graphql/scalars';
import { normaliseOdsCode } from '../src/organisations/odsCode';
import { HubError } from '../src/shared/errors';
import { isRowId } from '../src/shared/ids';
import { Role } from '../src/vocabulary/roles';

/** The key fields of each entity type, as declared with @key in the subgraph schema. */
export const ENTITY_KEYS = {
  Patient: 'nhsNumber',
  Message: 'id',
  Organisation: 'odsCode',
} as const;

function keyValue(reference: Record<string, unknown>, typeName: keyof typeof ENTITY_KEYS): string {
  const value = reference[ENTITY_KEYS[typeName]];
  if (typeof value !== 'string') throw new HubError('BAD_USER_INPUT', `A ${typeName} reference needs its ${ENTITY_KEYS[typeName]} as a string`);
  return value;
}

export const ENTITY_REFERENCE_RESOLVERS = {
  Patient: {
    async __resolveReference(reference: Record<string, unknown>, ctx: HubContext): Promise<Patient | null> {
      assertRole(ctx.principal, [Role.SENDER]);
      // The same validation (and normalisation of spaces) as the patient query's argument.
      const nhsNumber = NhsNumberScalar.parseValue(keyValue(reference, 'Patient'));
      return ctx.loaders.patient.load(nhsNumber);
    },
  },
  Message: {
    async __resolveReference(reference: Record<string, unknown>, ctx: HubContext): Promise<Message | null> {
      assertRole(ctx.principal, [Role.SENDER]);
      const id = keyValue(reference, 'Message');
      return isRowId(id) ? ctx.loaders.message.load(id) : null;
    },
  },
  Organisation: {
    async __resolveReference(reference: Record<string, unknown>, ctx: HubContext): Promise<Organisation | null> {
      assertRole(ctx.principal, [Role.SENDER]);
      return ctx.loaders.organisation.load(normaliseOdsCode(keyValue(reference, 'Organisation')));
    },
  },
};
