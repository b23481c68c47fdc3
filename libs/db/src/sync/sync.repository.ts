import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/client';
import { PrismaService } from '../prisma.service';
import type { SyncCursor, SyncHorizon } from '@jchat/jmap';

@Injectable()
export class SyncRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The sync horizon (read it before the data it describes). */
  horizon(): Promise<SyncHorizon> {
    return this.prisma.syncHorizon();
  }

  /** No transaction id at or above this has been handed out yet: no state can be above it. */
  async issuedUpTo(): Promise<bigint> {
    const rows = await this.prisma.$queryRaw<{ xmax: string }[]>`
      SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`;
    const [row] = rows;
    if (!row) throw new Error('pg_current_snapshot() returned nothing');
    return BigInt(row.xmax);
  }
}

/** `(modseq, id) > cursor` over the given key and id expressions. */
export function afterCursor(modseq: Prisma.Sql, id: Prisma.Sql, cursor: SyncCursor): Prisma.Sql {
  return cursor.afterId === null
    ? Prisma.sql`${modseq} >= ${cursor.modseq}`
    : Prisma.sql`(${modseq} > ${cursor.modseq} OR (${modseq} = ${cursor.modseq} AND ${id} > ${cursor.afterId}))`;
}
