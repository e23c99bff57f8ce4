import { randomUUID } from 'node:crypto';

/** Row ids are random UUIDs: they reveal nothing about volume or order and can be made before insert. */
export function newId(): string {
  return randomUUID();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRowId(value: string): boolean {
  return UUID.test(value);
}
