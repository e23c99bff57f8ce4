/**
 * Relay-style connection types. totalCount is resolved on demand, so the COUNT runs only when asked for.
 * They carry no data of their own, so their fields skip the per-field middleware (simpleResolvers).
 */
import { Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { Message } from '../../entities/Message';
import { Patient } from '../../entities/Patient';
import type { Page } from '../../src/shared/pagination';

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType({ simpleResolvers: true })
export class MessageEdge {
  @Field()
  cursor: string;

  @Field(() => Message)
  node: Message;
}

@ObjectType({ simpleResolvers: true })
export class MessageConnection {
  @Field(() => [MessageEdge])
  edges: MessageEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  countTotal: () => Promise<number>;
}

@ObjectType({ simpleResolvers: true })
export class PatientEdge {
  @Field()
  cursor: string;

  @Field(() => Patient)
  node: Patient;
}

@ObjectType({ simpleResolvers: true })
export class PatientConnection {
  @Field(() => [PatientEdge])
  edges: PatientEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  countTotal: () => Promise<number>;
}

export function toConnection<T>(page: Page<T>, countTotal: () => Promise<number>): { edges: Array<{ cursor: string; node: T }>; pageInfo: PageInfo; countTotal: () => Promise<number> } {
  return {
    edges: page.nodes.map((node, i) => ({ cursor: page.cursors[i], node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors.at(-1) ?? null },
    countTotal,
  };
}

@Resolver(() => MessageConnection)
export class MessageConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: MessageConnection): Promise<number> {
    return connection.countTotal();
  }
}

@Resolver(() => PatientConnection)
export class PatientConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: PatientConnection): Promise<number> {
    return connection.countTotal();
  }
}
