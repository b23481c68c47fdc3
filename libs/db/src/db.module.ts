import { type DynamicModule, Global, Module } from '@nestjs/common';
import { EventOutbox } from './outbox/event-outbox';
import { DATABASE_OPTIONS, type DatabaseOptions, PrismaService } from './prisma.service';
import { SyncRepository } from './sync/sync.repository';
import { SyncStates } from './sync/sync-states';

@Global()
@Module({})
export class DbModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DbModule,
      providers: [
        { provide: DATABASE_OPTIONS, useValue: options },
        PrismaService,
        SyncRepository,
        SyncStates,
        EventOutbox,
      ],
      exports: [PrismaService, SyncRepository, SyncStates, EventOutbox],
    };
  }
}
