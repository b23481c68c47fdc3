export * from './types';
export { Batch, BatchResult, Ref, type Call, type CallArgs } from './batch';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export {
  realTimers,
  SOCKET_OPEN,
  type SocketFactory,
  type SocketLike,
  type Timers,
} from './socket';
export {
  PushConnection,
  type ConnectionStatus,
  type PushConnectionOptions,
} from './push-connection';
export {
  SyncEngine,
  type BatchRunner,
  type SyncDelta,
  type SyncEngineOptions,
  type SyncHandler,
} from './sync';
export { JmapClient, type JmapClientOptions, type TokenSource } from './client';
