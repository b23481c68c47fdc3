export * from './config';
export * from './ids';
export * from './logger';
export * from './time';
export * from './redis.module';
