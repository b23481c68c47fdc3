import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { JmapMethodError } from '@jchat/jmap';
import { watchPool } from '../pool-metrics';
import { DATABASE_OPTIONS, type DatabaseOptions } from '../prisma.service';

/** Guarded /set calls of different accounts that may wait for their turn at once, per process. */
const GUARD_CONNECTIONS = 3;
/** A guarded /set waits at most this long for the one ahead of it (then serverUnavailable). */
const TURN_TIMEOUT_MS = 10_000;
/** A guard whose process stopped answering lets go after this long. */
const ABANDONED_AFTER_MS = 60_000;

/**
 * Makes `ifInState` atomic with the write it guards. A /set with ifInState holds a lock on
 * (account, type) from before its check until its writes have committed, so concurrent guarded
 * /sets of one account and type take turns, and each checks the state after the writes of the
 * one before it: of several sent with the same ifInState, one writes and the others get
 * stateMismatch.
 *
 * Why a lock held across the /set and not one transaction around check and writes: a /set's
 * writes are several transactions (one per object, the send batch shared with other callers,
 * system messages written by another service), which no single transaction can hold. The lock
 * is held on connections of its own (at most GUARD_CONNECTIONS per process), so the writes never
 * wait for a connection that a waiting guard holds. It is a transaction-scoped advisory lock, not
 * a row lock (e.g. on `state_counters`): locking a row gives the holding transaction an id, and
 * an open transaction id holds back the sync horizon (every state the server hands out, to every
 * account) for as long as the /set runs. A /set without ifInState takes no lock.
 */
@Injectable()
export class IfInStateGuard implements OnModuleDestroy {
  private readonly logger = new Logger('if-in-state');
  private readonly pool: Pool;
  private readonly unwatchPool: () => void;

  constructor(@Inject(DATABASE_OPTIONS) options: DatabaseOptions) {
    this.pool = new Pool({
      connectionString: options.url,
      max: GUARD_CONNECTIONS,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: TURN_TIMEOUT_MS,
      options: `-c idle_in_transaction_session_timeout=${ABANDONED_AFTER_MS} -c lock_timeout=${TURN_TIMEOUT_MS}`,
    });
    // An idle connection that breaks is dropped by the pool; it must not crash the process.
    this.pool.on('error', (error) =>
      this.logger.warn({ error: String(error) }, 'guard connection'),
    );
    this.unwatchPool = watchPool('if-in-state', this.pool);
  }

  /**
   * Runs `set` (which checks ifInState, then writes) holding the account's state of `type`, or
   * just runs it when there is no ifInState to guard.
   */
  async run<T>(
    accountId: string,
    type: string,
    ifInState: string | null,
    set: () => Promise<T>,
  ): Promise<T> {
    if (ifInState === null) return set();
    const client = await this.pool.connect().catch((error: unknown) => {
      throw busy(type, error);
    });
    let result: T;
    try {
      await client.query('BEGIN');
      await this.takeTurn(client, accountId, type);
      result = await set();
    } catch (error: unknown) {
      client.release(await finish(client, 'ROLLBACK'));
      throw error;
    }
    // The writes have committed already: ending the guard only lets the next one in.
    client.release(await finish(client, 'COMMIT'));
    return result;
  }

  /** Waits for the (account, type) lock: released when the guard's transaction ends. */
  private async takeTurn(client: PoolClient, accountId: string, type: string): Promise<void> {
    try {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `jchat.ifInState:${accountId}:${type}`,
      ]);
    } catch (error: unknown) {
      throw (error as { code?: unknown }).code === '55P03' ? busy(type, error) : error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.unwatchPool();
    await this.pool.end();
  }
}

/** Ends the guard's transaction; the error to drop the connection with, if that failed. */
async function finish(client: PoolClient, end: 'COMMIT' | 'ROLLBACK'): Promise<Error | undefined> {
  try {
    await client.query(end);
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** No turn within TURN_TIMEOUT_MS: retryable. */
function busy(type: string, cause: unknown): JmapMethodError {
  return new JmapMethodError(
    'serverUnavailable',
    `no turn for a ${type}/set with ifInState (${String(cause)}): try again`,
  );
}
