// `/changes` sync: the client keeps the last state of each type, and when a push (or a
// reconnection) says a type moved, asks `Foo/changes` from it and fetches what was created or
// updated in the same request (result references), page after page. A state the server can no
// longer answer (`cannotCalculateChanges`) makes the type reload. Syncs of one type never
// overlap: a push that arrives while one runs makes it run once more afterwards.
import { Batch, type BatchResult } from './batch';
import { type ChangesResponse, type GetResponse, JmapMethodError } from './types';

export interface SyncDelta<T> {
  created: T[];
  updated: T[];
  destroyed: string[];
}

export interface SyncHandler<T> {
  /** Properties to fetch (default: the server's default properties). */
  properties?: string[];
  apply(delta: SyncDelta<T>): void;
  /** Reload this type from scratch (after `cannotCalculateChanges`); returns its new state. */
  reload(): Promise<string>;
}

export type BatchRunner = (batch: Batch) => Promise<BatchResult>;

export interface SyncEngineOptions {
  accountId: string;
  run: BatchRunner;
  // Each handler's object type is its own; the engine only passes them through.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handlers: Record<string, SyncHandler<any>>;
  maxChanges?: number;
}

export class SyncEngine {
  private readonly states = new Map<string, string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly options: SyncEngineOptions) {}

  state(type: string): string | undefined {
    return this.states.get(type);
  }

  /** Records the state an initial load (`Foo/get`, `Foo/query`) returned. */
  setState(type: string, state: string): void {
    this.states.set(type, state);
  }

  get types(): string[] {
    return Object.keys(this.options.handlers);
  }

  /** A StateChange's states for our account: syncs each known type whose state differs. */
  async onStateChange(changed: Record<string, string> | undefined): Promise<void> {
    if (!changed) return;
    const moved = Object.entries(changed)
      .filter(([type, state]) => this.options.handlers[type] && this.states.get(type) !== state)
      .map(([type]) => type);
    await Promise.all(moved.map((type) => this.sync(type)));
  }

  /** Syncs every type with a known state (after a reconnection or a wake-up). */
  async syncAll(): Promise<void> {
    await Promise.all(this.types.filter((t) => this.states.has(t)).map((t) => this.sync(t)));
  }

  /** Brings one type up to date; concurrent calls share one run (plus one more if needed). */
  sync(type: string): Promise<void> {
    const current = this.running.get(type);
    if (current) {
      this.again.add(type);
      return current;
    }
    const run = (async () => {
      try {
        do {
          this.again.delete(type);
          await this.syncOnce(type);
        } while (this.again.has(type));
      } finally {
        this.running.delete(type);
      }
    })();
    this.running.set(type, run);
    return run;
  }

  private async syncOnce(type: string): Promise<void> {
    const handler = this.options.handlers[type];
    const since = this.states.get(type);
    if (!handler || since === undefined) return;
    const { accountId } = this.options;
    let sinceState = since;
    for (;;) {
      const batch = new Batch();
      const changes = batch.call<ChangesResponse>(`${type}/changes`, {
        accountId,
        sinceState,
        maxChanges: this.options.maxChanges ?? 500,
      });
      const getArgs = (path: string) => ({
        accountId,
        ids: changes.ref(path),
        ...(handler.properties ? { properties: handler.properties } : {}),
      });
      const created = batch.call<GetResponse<unknown>>(`${type}/get`, getArgs('/created'));
      const updated = batch.call<GetResponse<unknown>>(`${type}/get`, getArgs('/updated'));
      const result = await this.options.run(batch);
      let page: ChangesResponse;
      try {
        page = result.get(changes);
      } catch (error) {
        if (error instanceof JmapMethodError && error.type === 'cannotCalculateChanges') {
          this.states.set(type, await handler.reload());
          return;
        }
        throw error;
      }
      handler.apply({
        created: result.get(created).list,
        updated: result.get(updated).list,
        destroyed: page.destroyed,
      });
      this.states.set(type, page.newState);
      if (!page.hasMoreChanges || page.newState === sinceState) return;
      sinceState = page.newState;
    }
  }
}
