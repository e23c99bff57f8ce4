/**
 * graphql-ws's `subscribe`, with one execution per event shared by every subscriber that
 * would get the same answer. The bus hands each live event, as one object, to every
 * subscriber's stream; subscribers on the same API key (so the same role and scope) with
 * the same selection and the same values for the variables used in that selection get the
 * result of one execution instead of one each. Events read in a catch-up are each stream's
 * own objects and are executed for that subscriber alone.
 *
 * The subscription field's own arguments choose which events reach a stream (filter,
 * after); an event's fields never depend on them, so they are not part of what is shared
 * by. A selection that can reach a type with audited personal data (Patient, Message) is
 * never shared: each read must be audited for its own request.
 */
import {
  createSourceEventStream,
  execute,
  getNamedType,
  getOperationAST,
  isObjectType,
  isInterfaceType,
  Kind,
  print,
  visit,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type GraphQLNamedType,
} from 'graphql';
import type { HubContext } from '../graphql/context';

const AUDITED_TYPES = new Set(['Patient', 'Message']);

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Whether values of this type can lead, through any field, to an audited type. */
function reachesAuditedType(start: GraphQLNamedType): boolean {
  const seen = new Set<string>();
  const pending: GraphQLNamedType[] = [start];
  while (pending.length > 0) {
    const type = pending.pop() as GraphQLNamedType;
    if (seen.has(type.name)) continue;
    seen.add(type.name);
    if (AUDITED_TYPES.has(type.name)) return true;
    if (isObjectType(type) || isInterfaceType(type)) for (const field of Object.values(type.getFields())) pending.push(getNamedType(field.type));
  }
  return false;
}

/** What decides an event's result for this subscriber, or null when it must be executed alone. */
function sharingKey(args: ExecutionArgs): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  const root = operation?.selectionSet.selections;
  if (!operation || root?.length !== 1 || root[0].kind !== Kind.FIELD) return null;
  const field = root[0];
  const definition = args.schema.getSubscriptionType()?.getFields()[field.name.value];
  if (!definition || reachesAuditedType(getNamedType(definition.type))) return null;
  // Fragments could carry variables out of sight of the walk below.
  if (args.document.definitions.some((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)) return null;
  const used = new Set<string>();
  const outsideArguments: FieldNode = { ...field, arguments: [] };
  visit(outsideArguments, {
    Variable(node) {
      used.add(node.name.value);
    },
  });
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  const values = [...used].sort().map((name) => [name, variables[name] ?? null]);
  const keyId = (args.contextValue as HubContext).principal.keyId;
  return JSON.stringify([keyId, print(outsideArguments), values]);
}

/** Maps each source item through `project`, passing return() on so the source stream is closed. */
function mapped<T>(source: AsyncIterator<T>, project: (item: T) => Result): AsyncIterableIterator<ExecutionResult> {
  const close = async () => {
    await source.return?.();
  };
  return {
    async next() {
      const item = await source.next();
      if (item.done) return { value: undefined, done: true };
      try {
        return { value: await project(item.value), done: false };
      } catch (error) {
        await close();
        throw error;
      }
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export function sharedEventExecution() {
  const resultsByEvent = new WeakMap<object, Map<string, Result>>();
  return async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const key = sharingKey(args);
    const executeFor = (event: unknown): Result => execute({ ...args, rootValue: event });
    return mapped((stream as AsyncIterable<unknown>)[Symbol.asyncIterator](), (event) => {
      if (key === null || typeof event !== 'object' || event === null) return executeFor(event);
      let results = resultsByEvent.get(event);
      if (!results) {
        results = new Map();
        resultsByEvent.set(event, results);
      }
      let result = results.get(key);
      if (!result) {
        result = executeFor(event);
        results.set(key, result);
      }
      return result;
    });
  };
}
