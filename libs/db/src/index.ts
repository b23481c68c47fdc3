export * from './db.module';
export * from './prisma.service';
export { Prisma } from './generated/client';
export type * from './generated/client';
