export * from './db.module';
export * from './prisma.service';
export * from './sync/sync.repository';
export * from './sync/sync-states';
export { Prisma } from './generated/client';
export type * from './generated/client';
export * from './outbox/outbox-store';
export * from './outbox/outbox-relay';
