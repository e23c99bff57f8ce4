/**
 * The NHS number as a GraphQL type: entities declare fields of this type, and the schema
 * maps it to the NhsNumber scalar (src/graphql/scalars.ts), so entities need nothing from
 * the GraphQL layer. It is a name only; values are plain strings of 10 digits.
 */
export abstract class NhsNumber {}
