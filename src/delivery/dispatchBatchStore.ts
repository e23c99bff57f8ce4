/** Row locks a dispatch batch takes on the messages it records outcomes for. */
import type { EntityManager } from 'typeorm';
import { Message } from '../../entities/Message';
import { forUpdate } from '../db/rowLock';

/** Locks these messages' rows in one statement, in id order so concurrent batches never deadlock. */
export async function lockMessages(ids: readonly string[], manager: EntityManager): Promise<Message[]> {
  if (ids.length === 0) return [];
  const query = manager.getRepository(Message).createQueryBuilder('m').where('m.id IN (:...ids)', { ids: [...new Set(ids)].sort() }).orderBy('m.id', 'ASC');
  return forUpdate(query, manager).getMany();
}
