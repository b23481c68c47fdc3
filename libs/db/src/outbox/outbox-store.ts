import { Injectable } from '@nestjs/common';
import { MicroBatcher } from '@jchat/common';
import { Prisma } from '../generated/client';
import { PrismaService } from '../prisma.service';

/** Settles wait this long for others to share their statement (nobody waits on a settle). */
const SETTLE_LINGER_MS = 50;
const SETTLE_BATCH_MAX = 2000;

export interface OutboxRow {
  id: string;
  payload: unknown;
}

/**
 * The write-ahead outbox. A service stages an event's intent here (committed on its own, before
 * the change it announces, or in the change's own statement with `stagingCte`), makes the change,
 * publishes, then settles the row. A crash or NATS outage anywhere in between leaves the row for
 * the service's OutboxRelay, which publishes it late; a change that failed leaves at worst a
 * spurious "something changed" event, which JMAP clients answer with /changes and find nothing
 * new. Concurrent stages and settles share one statement each.
 *
 * Settles linger briefly to share one statement, and commit asynchronously (no wait for the WAL
 * flush): a settle lost in a crash only makes the relay publish the event again, with the dedupe
 * id its writer used, so NATS drops it.
 */
@Injectable()
export class OutboxStore {
  private readonly stages = new MicroBatcher<OutboxItem, string>((items) => this.insert(items));
  private readonly settles = new MicroBatcher<string, void>(
    (ids) => this.remove(ids),
    SETTLE_BATCH_MAX,
    SETTLE_LINGER_MS,
  );

  constructor(private readonly prisma: PrismaService) {}

  /** Stages one event intent; resolves with its id once durable. */
  stage(service: string, payload: unknown): Promise<string> {
    return this.stages.add({ service, payload });
  }

  /** The event was published (or its change failed): the row can go. */
  settle(id: string): Promise<void> {
    return this.settles.add(id);
  }

  /**
   * Takes up to `limit` of the service's rows older than `olderThanMs` (locked, so replicas
   * share them), hands them to `publish`, and deletes them once it resolves; if it throws, they
   * stay for the next round. Returns how many were published.
   */
  async relay(
    service: string,
    olderThanMs: number,
    limit: number,
    publish: (rows: OutboxRow[]) => Promise<void>,
  ): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT id::text AS id, payload FROM event_outbox
           WHERE service = ${service}
             AND created_at < now() - make_interval(secs => ${olderThanMs / 1000})
           ORDER BY id
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        await publish(rows);
        await tx.$executeRaw`DELETE FROM event_outbox WHERE id = ANY(${rows.map((row) => row.id)}::bigint[])`;
        return rows.length;
      },
      { timeout: 60_000 },
    );
  }

  private async insert(items: OutboxItem[]): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH ${stagingCte('staged', items)} SELECT id::text AS id FROM staged`;
    return inStagingOrder(rows.map((row) => row.id));
  }

  private async remove(ids: string[]): Promise<void[]> {
    // set_config(..., true) lasts to the end of this statement's own transaction, its commit.
    await this.prisma.hotQuery(Prisma.sql`
      WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
      DELETE FROM event_outbox
       WHERE id = ANY(${ids}::bigint[]) AND EXISTS (SELECT 1 FROM async_commit)`);
    return ids.map(() => undefined);
  }
}

export interface OutboxItem {
  service: string;
  payload: unknown;
}

/**
 * A data-modifying CTE named `name` that stages `items` as outbox rows. In the statement of the
 * write they announce it saves them a commit of their own (the rows commit or roll back with
 * it). It yields `id`; `inStagingOrder` lines the ids up with the items.
 */
export function stagingCte(name: string, items: readonly OutboxItem[]): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(name)} AS (
    INSERT INTO event_outbox (service, payload)
    SELECT service, payload
      FROM unnest(${items.map((item) => item.service)}::text[],
                  ${items.map((item) => JSON.stringify(item.payload))}::jsonb[])
           WITH ORDINALITY AS staged(service, payload, n)
     ORDER BY n
    RETURNING id)`;
}

/** Staged ids in the order of their items: bigserial ids follow the insert's ORDER BY. */
export function inStagingOrder(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => {
    const [x, y] = [BigInt(a), BigInt(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
