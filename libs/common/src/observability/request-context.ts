import { AsyncLocalStorage } from 'node:async_hooks';

interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Runs `work` as part of the request `requestId`: every log line written while it runs (in
 * this process, however deep and after however many awaits) carries the id, and every bus
 * request it makes passes it on in the `x-request-id` NATS header. Without an id, `work` runs
 * outside any request (it does not inherit the caller's).
 */
export function runWithRequestId<T>(requestId: string | undefined, work: () => T): T {
  return requestId ? storage.run({ requestId }, work) : storage.exit(work);
}

/** The id of the request being handled here, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
