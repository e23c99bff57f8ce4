import { randomFillSync } from 'node:crypto';

/**
 * Random bytes are drawn from a pool refilled 4 KiB at a time: one randomBytes(16) per id cost
 * a call into OpenSSL each, several per message sent (as Node's own randomUUID also pools).
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomSixteen(): Buffer {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return bytes;
}

/**
 * Row ids are UUIDs in the version 7 layout: 48 bits of milliseconds, then random bits.
 * They can be made before insert, reveal no volume, and arrive in time order, so MySQL's
 * clustered primary keys grow at the end instead of splitting pages all over the index.
 */
export function newIdAt(milliseconds: number): string {
  const bytes = randomSixteen();
  const time = Math.max(0, Math.floor(milliseconds));
  bytes.writeUIntBE(time, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newId(): string {
  return newIdAt(Date.now());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRowId(value: string): boolean {
  return UUID.test(value);
}
