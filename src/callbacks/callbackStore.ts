/**
 * Data access for status callbacks and their outbox of deliveries. Claiming uses
 * SELECT … FOR UPDATE SKIP LOCKED on MySQL/MariaDB, so any number of callback dispatchers can
 * share the table; a claim is a lease, taken over by another dispatcher once it lapses.
 */
import { In, IsNull, type EntityManager } from 'typeorm';
import { CallbackDelivery } from '../../entities/CallbackDelivery';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { StatusCallback } from '../../entities/StatusCallback';
import type { Database } from '../db/database';
import type { AccessScope } from '../shared/scope';
import { CallbackDeliveryState } from '../vocabulary/callbacks';

/** Reads and writes for storing callbacks inside the transaction of the change they report. */
export const callbackOutbox = {
  async activeFor(organisationOdsCodes: string[], manager: EntityManager): Promise<StatusCallback[]> {
    return manager.getRepository(StatusCallback).find({ where: { organisationOdsCode: In(organisationOdsCodes), disabledAt: IsNull() }, order: { createdAt: 'ASC' } });
  },

  /** What was already queued for these callbacks about these messages: the basis for the next sequence numbers. */
  async earlier(callbackIds: string[], messageIds: string[], manager: EntityManager): Promise<Array<Pick<CallbackDelivery, 'callbackId' | 'messageId' | 'type' | 'status' | 'sequence'>>> {
    return manager.getRepository(CallbackDelivery).find({
      select: { callbackId: true, messageId: true, type: true, status: true, sequence: true },
      where: { messageId: In(messageIds), callbackId: In(callbackIds) },
      order: { sequence: 'ASC' },
    });
  },

  /** The little a callback says about a message: its NHS number and current status. */
  async messages(ids: string[], manager: EntityManager): Promise<Array<Pick<Message, 'id' | 'nhsNumber' | 'status'>>> {
    return manager.getRepository(Message).find({ select: { id: true, nhsNumber: true, status: true }, where: { id: In(ids) } });
  },

  async attempts(ids: string[], manager: EntityManager): Promise<Array<Pick<DeliveryAttempt, 'id' | 'failureReason'>>> {
    return ids.length === 0 ? [] : manager.getRepository(DeliveryAttempt).find({ select: { id: true, failureReason: true }, where: { id: In(ids) } });
  },

  async insert(deliveries: CallbackDelivery[], manager: EntityManager): Promise<void> {
    for (const delivery of deliveries) await manager.getRepository(CallbackDelivery).insert(delivery);
  },
};

export class CallbackStore {
  constructor(private readonly db: Database) {}

  private callbacks(manager?: EntityManager) {
    return (manager ?? this.db.dataSource.manager).getRepository(StatusCallback);
  }

  private deliveries(manager?: EntityManager) {
    return (manager ?? this.db.dataSource.manager).getRepository(CallbackDelivery);
  }

  async insert(callback: StatusCallback, manager: EntityManager): Promise<void> {
    await this.callbacks(manager).insert(callback);
  }

  async findById(id: string, scope: AccessScope, manager?: EntityManager): Promise<StatusCallback | null> {
    const callback = await this.callbacks(manager).findOne({ where: { id } });
    if (!callback || (scope.organisationOdsCode !== null && callback.organisationOdsCode !== scope.organisationOdsCode)) return null;
    return callback;
  }

  /** Oldest first; every callback, disabled ones included, so a sender can see why one stopped. */
  async list(organisationOdsCode: string | null, scope: AccessScope): Promise<StatusCallback[]> {
    const query = this.callbacks().createQueryBuilder('c').orderBy('c.created_at', 'ASC').addOrderBy('c.id', 'ASC');
    if (scope.organisationOdsCode !== null) query.andWhere('c.organisation_ods_code = :scopeOrg', { scopeOrg: scope.organisationOdsCode });
    if (organisationOdsCode) query.andWhere('c.organisation_ods_code = :org', { org: organisationOdsCode });
    return query.getMany();
  }

  /** Stops a callback and drops what was still waiting to go to it; false when it was already stopped. */
  async disable(id: string, reason: string, now: Date, manager: EntityManager): Promise<boolean> {
    const result = await this.callbacks(manager).update({ id, disabledAt: IsNull() }, { disabledAt: now, disabledReason: reason });
    await this.deliveries(manager).update({ callbackId: id, state: CallbackDeliveryState.PENDING }, { state: CallbackDeliveryState.DROPPED, finishedAt: now, claimedUntil: null, claimedBy: null });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Claims due deliveries: at most `perCallback` for any one callback and at most
   * `callbacksLeftFor(organisation)` callbacks of one organisation, so a receiver or an
   * organisation with a long backlog cannot crowd the others out; none for the callbacks this
   * dispatcher is busy with, of organisations that have no lanes left, or that asked for a pause.
   */
  async claimDue(now: Date, options: { limit: number; perCallback: number; leaseMs: number; owner: string; skipCallbacks: string[]; skipOrganisations: string[]; callbacksLeftFor: (organisationOdsCode: string) => number }): Promise<CallbackDelivery[]> {
    return this.db.transaction(async (manager) => {
      const query = this.deliveries(manager)
        .createQueryBuilder('d')
        .where('d.state = :pending', { pending: CallbackDeliveryState.PENDING })
        .andWhere('d.due_at <= :now', { now })
        .andWhere('(d.claimed_until IS NULL OR d.claimed_until <= :now)', { now })
        .orderBy('d.due_at', 'ASC')
        .addOrderBy('d.id', 'ASC')
        .andWhere('NOT EXISTS (SELECT 1 FROM status_callbacks c WHERE c.id = d.callback_id AND c.paused_until IS NOT NULL AND c.paused_until > :now)', { now })
        .limit(options.limit);
      if (options.skipCallbacks.length > 0) query.andWhere('d.callback_id NOT IN (:...skip)', { skip: options.skipCallbacks });
      if (options.skipOrganisations.length > 0) query.andWhere('d.organisation_ods_code NOT IN (:...skipOrgs)', { skipOrgs: options.skipOrganisations });
      if (this.db.kind === 'mysql') query.setLock('pessimistic_write').setOnLocked('skip_locked');
      const due = await query.getMany();
      const taken = new Map<string, number>();
      const callbacksOf = new Map<string, Set<string>>();
      const claimed = due.filter((delivery) => {
        const callbacks = callbacksOf.get(delivery.organisationOdsCode) ?? new Set<string>();
        if (!callbacks.has(delivery.callbackId)) {
          if (callbacks.size >= options.callbacksLeftFor(delivery.organisationOdsCode)) return false;
          callbacksOf.set(delivery.organisationOdsCode, callbacks.add(delivery.callbackId));
        }
        const count = taken.get(delivery.callbackId) ?? 0;
        taken.set(delivery.callbackId, count + 1);
        return count < options.perCallback;
      });
      if (claimed.length === 0) return [];
      const claimedUntil = new Date(now.getTime() + options.leaseMs);
      await this.deliveries(manager).update({ id: In(claimed.map((d) => d.id)) }, { claimedUntil, claimedBy: options.owner });
      return claimed.map((d) => Object.assign(d, { claimedUntil, claimedBy: options.owner }));
    });
  }

  async callbacksByIds(ids: string[]): Promise<StatusCallback[]> {
    return ids.length === 0 ? [] : this.callbacks().find({ where: { id: In(ids) } });
  }

  /** Records the outcome of one try, if this dispatcher still holds the claim. */
  async finish(delivery: CallbackDelivery, changes: Partial<Pick<CallbackDelivery, 'state' | 'dueAt' | 'tries' | 'finishedAt' | 'lastError'>>): Promise<void> {
    await this.deliveries().update({ id: delivery.id, claimedBy: delivery.claimedBy ?? IsNull(), state: CallbackDeliveryState.PENDING }, { ...changes, claimedUntil: null, claimedBy: null });
  }

  /** Sends nothing more to a callback before `until` (a receiver's Retry-After), whichever dispatcher looks. */
  async pauseCallback(callbackId: string, until: Date): Promise<void> {
    await this.callbacks().update({ id: callbackId }, { pausedUntil: until });
  }

  async disableCallback(id: string, reason: string, now: Date): Promise<void> {
    await this.db.transaction((manager) => this.disable(id, reason, now, manager));
  }

  /** Deliveries of one callback, oldest first (for operators and tests). */
  async deliveriesOf(callbackId: string): Promise<CallbackDelivery[]> {
    return this.deliveries().find({ where: { callbackId }, order: { id: 'ASC' } });
  }
}
