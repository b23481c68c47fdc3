import { type DynamicModule, Global, Module } from '@nestjs/common';
import { OutboxStore } from './outbox/outbox-store';
import { DATABASE_OPTIONS, type DatabaseOptions, PrismaService } from './prisma.service';
import { IfInStateGuard } from './sync/if-in-state-guard';
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
        OutboxStore,
        IfInStateGuard,
      ],
      exports: [PrismaService, SyncRepository, SyncStates, OutboxStore, IfInStateGuard],
    };
  }
}
