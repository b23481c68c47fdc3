export * from './db.module';
export * from './prisma.service';
export * from './sync/sync.repository';
export * from './sync/sync-states';
export { Prisma } from './generated/client';
export type * from './generated/client';
export * from './outbox/event-outbox';
export * from './outbox/outbox-relay';
