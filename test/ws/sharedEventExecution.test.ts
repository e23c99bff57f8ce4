/**
 * One execution per live event for every subscriber that would get the same answer, and
 * a separate one for anyone whose key, selection or selection's variables differ, or whose
 * selection reaches a patient's personal data (each read is audited for its own request).
 */
import { buildSchema, type ExecutionResult, parse } from 'graphql';
import { sharedEventExecution } from '../../src/ws/sharedEventExecution';

const SCHEMA = buildSchema(`
  type Query { ok: Boolean }
  type Patient { givenName: String }
  type Tick { id: ID! label: String }
  type Visit { id: ID! patient: Patient }
  type Subscription { ticks(after: ID): Tick visits: Visit }
`);

interface Tick {
  id: string;
  label: string;
}

/** A stream source that hands the same event objects to every subscriber, as the bus does. */
class Source {
  private readonly listeners = new Set<(tick: Tick) => void>();
  executions = 0;

  publish(tick: Tick): void {
    for (const listener of this.listeners) listener(tick);
  }

  get open(): number {
    return this.listeners.size;
  }

  stream(): AsyncIterableIterator<Tick> {
    const queue: Tick[] = [];
    let waiting: ((result: IteratorResult<Tick>) => void) | null = null;
    const listener = (tick: Tick) => {
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ value: tick, done: false });
      } else queue.push(tick);
    };
    this.listeners.add(listener);
    const close = () => {
      this.listeners.delete(listener);
      waiting?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true } as IteratorResult<Tick>);
    };
    return {
      next: () => (queue.length > 0 ? Promise.resolve({ value: queue.shift() as Tick, done: false }) : new Promise((resolve) => (waiting = resolve))),
      return: close,
      throw: close,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

let source: Source;
const subscribe = sharedEventExecution();

beforeEach(() => {
  source = new Source();
  for (const field of Object.values(SCHEMA.getSubscriptionType()!.getFields())) {
    field.subscribe = () => source.stream();
    field.resolve = (tick: Tick) => {
      source.executions += 1;
      return { ...tick, patient: { givenName: 'Jane' } };
    };
  }
});

async function subscriber(query: string, variables: Record<string, unknown> = {}, keyId = 'key-1') {
  const stream = (await subscribe({ schema: SCHEMA, document: parse(query), variableValues: variables, contextValue: { principal: { keyId } } })) as AsyncIterableIterator<ExecutionResult>;
  return { stream, next: async () => (await stream.next()).value as ExecutionResult };
}

it('executes a live event once for subscribers with the same key and selection, whatever their stream arguments', async () => {
  const a = await subscriber('subscription { ticks { id label } }');
  const b = await subscriber('subscription ($after: ID) { ticks(after: $after) { id label } }', { after: '7' });
  const c = await subscriber('subscription ($after: ID) { ticks(after: $after) { id label } }', { after: '9' });
  source.publish({ id: '10', label: 'ten' });
  const answers = await Promise.all([a.next(), b.next(), c.next()]);
  for (const answer of answers) expect(answer).toEqual({ data: { ticks: { id: '10', label: 'ten' } } });
  expect(source.executions).toBe(1);
});

it('executes separately for another key, another selection, or other values of the variables the selection uses', async () => {
  const query = 'subscription ($withLabel: Boolean!) { ticks { id label @include(if: $withLabel) } }';
  const subscribers = [
    await subscriber(query, { withLabel: true }),
    await subscriber(query, { withLabel: false }),
    await subscriber(query, { withLabel: true }, 'key-2'),
    await subscriber('subscription { ticks { tickId: id } }'),
  ];
  source.publish({ id: '11', label: 'eleven' });
  const answers = await Promise.all(subscribers.map((s) => s.next()));
  expect(answers).toEqual([
    { data: { ticks: { id: '11', label: 'eleven' } } },
    { data: { ticks: { id: '11' } } },
    { data: { ticks: { id: '11', label: 'eleven' } } },
    { data: { ticks: { tickId: '11' } } },
  ]);
  expect(source.executions).toBe(4);
});

it('never shares a selection that can reach personal data', async () => {
  const a = await subscriber('subscription { visits { id } }');
  const b = await subscriber('subscription { visits { id } }');
  // The event type leads to Patient, so even { id } is executed per subscriber.
  source.publish({ id: '12', label: 'twelve' });
  await Promise.all([a.next(), b.next()]);
  expect(source.executions).toBe(2);
});

it('closes the event stream when the subscriber leaves', async () => {
  const a = await subscriber('subscription { ticks { id } }');
  expect(source.open).toBe(1);
  const pending = a.stream.next();
  await a.stream.return!();
  expect(source.open).toBe(0);
  expect(await pending).toEqual({ value: undefined, done: true });
});
