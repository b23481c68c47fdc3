import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { registerHealthProbe } from '@jchat/common';
import type { SyncHorizon } from '@jchat/jmap';
import { Prisma, PrismaClient } from './generated/client';
import { watchPool } from './pool-metrics';
import { FreshReads } from './sync/fresh-reads';
import { retryTransient, TRANSACTION_ATTEMPTS } from './transactions/retry';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

export interface DatabaseOptions {
  url: string;
  /** Connections this process may hold; every replica of every service has its own pool. */
  poolSize: number;
  /** Runs of a transaction PostgreSQL aborts as a deadlock or serialization failure (default 4). */
  transactionAttempts?: number;
}

const CONNECT_TIMEOUT_MS = 2000;
/** Distinct hot statements prepared per connection at most (beyond it they run unnamed). */
const MAX_PREPARED_HOT_STATEMENTS = 64;

/**
 * The one Prisma client of a process. Start-up fails if the database cannot be reached. Its
 * connection pool is made here and handed to the adapter (which ends it on disconnect), so that
 * its use is a metric (jchat_db_pool_*).
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  private readonly attempts: number;
  private readonly pool: Pool;
  private readonly unwatchPool: () => void;

  constructor(@Inject(DATABASE_OPTIONS) options: DatabaseOptions) {
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize,
      // Short OLTP queries: JIT compiling a plan the planner over-estimates costs ~20 ms and
      // saves nothing (seen on Message/changes).
      options: '-c jit=off',
      // A dead or hung server gives a fast error (serverUnavailable), not a request that hangs.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // The adapter's own copy of @types/pg differs from ours in types only: one `pg` runs both.
    const external = pool as unknown as ConstructorParameters<typeof PrismaPg>[0];
    super({ adapter: new PrismaPg(external, { disposeExternalPool: true }) });
    this.attempts = options.transactionAttempts ?? TRANSACTION_ATTEMPTS;
    this.pool = pool;
    this.unwatchPool = watchPool('prisma', pool);
  }

  /**
   * Every multi-statement transaction goes through here: `work` runs in one transaction, and
   * again from the start when PostgreSQL aborts it as a deadlock or serialization failure. So
   * `work` must do nothing outside the database. Take locks in the order of docs/ENGINEERING.md
   * ("Locks"): the retry is for the rare cycle that order cannot exclude, not for a habit.
   */
  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return retryTransient(() => this.$transaction(work), this.attempts);
  }

  /** One statement (e.g. a call of a SQL function that locks several rows), retried likewise. */
  retrying<T>(statement: () => Promise<T>): Promise<T> {
    return retryTransient(statement, this.attempts);
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
    await this.$queryRaw`SELECT 1`;
    // Prisma takes a pool for its own only if it is an instance of the `pg` it loads itself.
    if (this.pool.totalCount === 0) {
      throw new Error('Prisma does not use the PostgreSQL pool made for it (two copies of pg?)');
    }
    this.unregisterProbe = registerHealthProbe('postgres', () => this.$queryRaw`SELECT 1`);
  }

  private unregisterProbe?: () => void;

  /**
   * The JMAP sync horizon: every transaction with a smaller id has finished. Read
   * it before the data it describes; rows stamped at or above it may be reported
   * again later, which JMAP allows, but none below it can still appear. Concurrent
   * callers share reads (see FreshReads): one query serves a burst of requests.
   */
  syncHorizon(): Promise<SyncHorizon> {
    return this.horizonReads.read();
  }

  /**
   * The latest horizon this process read, if that read ended less than `maxAgeMs` ago. Any
   * horizon read before a write began is a valid state *before* that write (the horizon only
   * moves forward), so a /set may report it as `oldState` without a read of its own.
   */
  recentSyncHorizon(maxAgeMs: number): SyncHorizon | undefined {
    const last = this.lastHorizon;
    return last && performance.now() - last.at < maxAgeMs ? last.horizon : undefined;
  }

  private lastHorizon: { horizon: SyncHorizon; at: number } | undefined;

  /**
   * One raw statement straight on the pool Prisma uses, without Prisma's query machinery, which
   * costs about three times the CPU of the query itself (measured: 140-200 µs against 45 µs per
   * statement). Only for statements on the send and push path, run for every message. Rows come
   * as `pg` gives them: int8 and numeric as strings, jsonb parsed, timestamps as Date.
   */
  async hotQuery<T>(query: Prisma.Sql): Promise<T[]> {
    const result = await this.pool.query({
      text: query.text,
      values: query.values as unknown[],
      name: this.preparedName(query.text),
    });
    return result.rows as T[];
  }

  /**
   * Hot statements are prepared once per connection (a name derived from their text), so
   * PostgreSQL parses and plans each once instead of on every message. Their texts are fixed
   * by the code, but a bound keeps an unforeseen varying text from growing every connection.
   */
  private preparedName(text: string): string | undefined {
    let name = this.preparedNames.get(text);
    if (name === undefined && this.preparedNames.size < MAX_PREPARED_HOT_STATEMENTS) {
      name = `jchat_hot_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      this.preparedNames.set(text, name);
    }
    return name;
  }

  private readonly preparedNames = new Map<string, string>();

  private readonly horizonReads = new FreshReads(() => this.readSyncHorizon());

  private async readSyncHorizon(): Promise<SyncHorizon> {
    const rows = await this.hotQuery<{ horizon: string; fingerprint: string }>(Prisma.sql`
      SELECT pg_snapshot_xmin(s)::text AS horizon, substr(md5(s::text), 1, 8) AS fingerprint
        FROM pg_current_snapshot() AS s`);
    const [row] = rows;
    if (!row) throw new Error('pg_current_snapshot() returned nothing');
    return this.horizonRead(row);
  }

  /**
   * A horizon read by a statement of the caller's own (e.g. after the commit of a procedure that
   * writes and then reads it), as that read gave it; remembered like syncHorizon's reads.
   */
  horizonRead(row: { horizon: string; fingerprint: string }): SyncHorizon {
    const horizon = { modseq: BigInt(row.horizon), fingerprint: row.fingerprint };
    if (!this.lastHorizon || horizon.modseq >= this.lastHorizon.horizon.modseq) {
      this.lastHorizon = { horizon, at: performance.now() };
    }
    return horizon;
  }

  async onModuleDestroy(): Promise<void> {
    this.unregisterProbe?.();
    this.unwatchPool();
    await this.$disconnect();
  }
}
