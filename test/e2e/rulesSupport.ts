/**
 * Shared helpers for the end-to-end tests of the sender rules, message actions and
 * receipts: a real hub on the suite's database behind a real HTTP server, and plain reads
 * of the rows a practice (or an operator looking at the database) would see.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { HubEvent } from '../../entities/HubEvent';
import { Message } from '../../entities/Message';
import { OutboxItem } from '../../entities/OutboxItem';
import { PatientReport } from '../../entities/PatientReport';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { createTestHub, type GraphqlResult, resetDatabase, startTestServer, type TestServer } from '../support/testHub';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { providerEnv, startSupplier, type Supplier } from '../support/supplierServer';

export const JANE = '9434765919';
export const JOHN = '9434765870';
/** Valid check digit, never created as a patient. */
export const NOBODY = '9990000018';
export const PRACTICE = 'A81001';
export const OTHER_PRACTICE = 'B82002';
export const START = '2026-03-10T10:00:00.000Z';
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface RunningHub {
  hub: Hub;
  server: TestServer;
  clock: ManualClock;
}

export async function startHub(env: Record<string, string> = {}, start = START): Promise<RunningHub> {
  const clock = new ManualClock(start);
  const hub = await createTestHub({ clock, env });
  const server = await startTestServer(hub);
  return { hub, server, clock };
}

export async function stopHub(running: RunningHub | undefined): Promise<void> {
  if (!running) return;
  await running.server.stop();
  await running.hub.close();
}

/** Empties the tables and adds the two practices and Jane Smith (NHS App user with every contact detail). */
export async function freshData(hub: Hub): Promise<void> {
  await resetDatabase(hub);
  await givenOrganisation(hub, PRACTICE, 'The Densham Surgery');
  await givenOrganisation(hub, OTHER_PRACTICE, 'Riverside Health Centre');
  await givenPatient(hub);
}

export function codeOf(result: GraphqlResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

/** The data of a result that must have succeeded; the errors are shown when it did not. */
export function dataOf<T = Record<string, any>>(result: GraphqlResult<T>): T {
  expect(result.errors).toBeUndefined();
  expect(result.data).toBeTruthy();
  return result.data as T;
}

export async function messageRows(hub: Hub): Promise<Message[]> {
  return hub.db.dataSource.getRepository(Message).find();
}

export async function messageCount(hub: Hub): Promise<number> {
  return hub.db.dataSource.getRepository(Message).count();
}

export async function messageRow(hub: Hub, id: string): Promise<Message | null> {
  return hub.db.dataSource.getRepository(Message).findOneBy({ id });
}

export async function attemptRows(hub: Hub, messageId: string): Promise<DeliveryAttempt[]> {
  return hub.db.dataSource.getRepository(DeliveryAttempt).find({ where: { messageId }, order: { sequence: 'ASC' } });
}

export async function outboxKinds(hub: Hub, messageId: string): Promise<string[]> {
  const items = await hub.db.dataSource.getRepository(OutboxItem).find({ where: { messageId } });
  return items.map((item) => item.kind).sort();
}

export async function deliveryEvents(hub: Hub, messageId: string): Promise<string[]> {
  const events = await hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId, kind: 'DELIVERY' }, order: { id: 'ASC' } });
  return events.map((event) => String(event.type));
}

export async function reportRows(hub: Hub, messageId: string): Promise<PatientReport[]> {
  return hub.db.dataSource.getRepository(PatientReport).find({ where: { messageId } });
}

/** A random id in the row-id format that no row has. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export interface HubForEachTest extends RunningHub {
  /** The local supplier, when the hub sends through the HTTP provider. */
  supplier: Supplier;
}

/**
 * One hub (and optionally a local supplier) for the describe block, with fresh fixtures
 * and an empty supplier log before each test. Read its fields inside tests.
 */
export function hubForEachTest(options: { withSupplier?: boolean } = {}): HubForEachTest {
  let running: RunningHub | undefined;
  let supplier: Supplier | undefined;
  beforeAll(async () => {
    supplier = options.withSupplier ? await startSupplier() : undefined;
    running = await startHub(supplier ? providerEnv(supplier) : {});
  });
  afterAll(async () => {
    await stopHub(running);
    await supplier?.close();
  });
  beforeEach(async () => {
    await freshData((running as RunningHub).hub);
    if (supplier) supplier.calls.length = 0;
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is available only inside tests`);
    return value;
  };
  return {
    get hub() {
      return started(running, 'the hub').hub;
    },
    get server() {
      return started(running, 'the server').server;
    },
    get clock() {
      return started(running, 'the clock').clock;
    },
    get supplier() {
      return started(supplier, 'the supplier (hubForEachTest({ withSupplier: true }))');
    },
  };
}
