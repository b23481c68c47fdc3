export * from './config';
export * from './ids';
export * from './logger';
export * from './time';
export * from './redis.module';
export * from './hmac-key';
export * from './micro-batcher';
