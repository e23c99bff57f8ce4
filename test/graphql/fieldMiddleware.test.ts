/**
 * Plain data types are read without type-graphql's per-field middleware (simpleResolvers),
 * which also skips the role check and the audit. Every field that needs either must keep it.
 */
import { type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { MESSAGE_DATA_FIELDS, PATIENT_DATA_FIELDS } from '../../src/audit/auditRecorder';
import { buildHubSchema } from '../../src/graphql/schema';

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildHubSchema();
});

function objectType(name: string): GraphQLObjectType {
  return schema.getType(name) as GraphQLObjectType;
}

describe('fields read without the per-field middleware', () => {
  it('include none that is role-restricted', () => {
    const storage = getMetadataStorage();
    const restricted = storage.authorizedFields.flatMap((field) =>
      storage.objectTypes.filter((type) => type.target === field.target).map((type) => ({ type: type.name, field: field.fieldName })),
    );
    expect(restricted.length).toBeGreaterThan(10);
    const unchecked = restricted.filter(({ type, field }) => objectType(type).getFields()[field]?.resolve === undefined);
    expect(unchecked).toEqual([]);
  });

  it("include none of a patient's personal data, on a patient or a message", () => {
    const unaudited = [
      ...[...PATIENT_DATA_FIELDS].filter((field) => objectType('Patient').getFields()[field]).map((field) => ({ type: 'Patient', field })),
      ...[...MESSAGE_DATA_FIELDS].map((field) => ({ type: 'Message', field })),
    ].filter(({ type, field }) => objectType(type).getFields()[field].resolve === undefined);
    expect(unaudited).toEqual([]);
  });

  it("include no field of a patient, whose restricted view refuses all but the NHS number", () => {
    const fields = Object.values(objectType('Patient').getFields());
    expect(fields.filter((field) => field.resolve === undefined).map((field) => field.name)).toEqual([]);
  });

  it('cover the plain types an inbox read and a subscription event return in bulk', () => {
    for (const [type, field] of [
      ['DeliveryAttempt', 'status'],
      ['MessageEdge', 'cursor'],
      ['Message', 'createdAt'],
      ['DeliveryEvent', 'occurredAt'],
    ]) {
      expect({ type, field, simple: objectType(type).getFields()[field].resolve === undefined }).toEqual({ type, field, simple: true });
    }
  });
});
