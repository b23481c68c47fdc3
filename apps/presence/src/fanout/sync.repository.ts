import { Injectable } from '@nestjs/common';
import { PrismaService } from '@jchat/db';

@Injectable()
export class SyncRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The snapshot horizon: the state of every PostgreSQL-backed JMAP type right now. */
  horizon(): Promise<bigint> {
    return this.prisma.syncHorizon();
  }
}
