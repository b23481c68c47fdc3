export interface MemberList {
  readonly ids: readonly string[];
  readonly set: ReadonlySet<string>;
}

interface Entry {
  list: MemberList;
  expiresAt: number;
}

export interface MembersCacheOptions {
  ttlMs: number;
  /** Member ids kept at most, over all conversations (least recently used go first). */
  maxIds: number;
  now?: () => number;
}

/**
 * Active members per conversation, fetched once and kept for a while: a message into
 * a conversation costs no lookup while its members are cached. Entries expire, and
 * `invalidate` (on access changes) drops one at once; a fetch that was under way
 * while its conversation was invalidated is not cached.
 */
export class MembersCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<MemberList>>();
  /** In-flight fetches invalidated meanwhile: their result is returned but not kept. */
  private readonly stale = new Set<Promise<MemberList>>();
  private totalIds = 0;
  private readonly now: () => number;

  constructor(
    private readonly fetch: (conversationId: string) => Promise<readonly string[]>,
    private readonly options: MembersCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async get(conversationId: string): Promise<MemberList> {
    const entry = this.entries.get(conversationId);
    if (entry && entry.expiresAt > this.now()) {
      // Re-insert: Map order is the LRU order.
      this.entries.delete(conversationId);
      this.entries.set(conversationId, entry);
      return entry.list;
    }
    if (entry) this.remove(conversationId);
    const running = this.inFlight.get(conversationId);
    if (running) return running;
    const loading: Promise<MemberList> = this.fetch(conversationId)
      .then((ids) => {
        const list: MemberList = { ids: [...ids], set: new Set(ids) };
        if (!this.stale.has(loading)) this.store(conversationId, list);
        return list;
      })
      .finally(() => {
        this.stale.delete(loading);
        if (this.inFlight.get(conversationId) === loading) this.inFlight.delete(conversationId);
      });
    this.inFlight.set(conversationId, loading);
    return loading;
  }

  /**
   * The conversation's list if it is cached and fresh; otherwise undefined, and the list is
   * loaded (in the background, failures ignored) for the next caller.
   */
  peek(conversationId: string): MemberList | undefined {
    const entry = this.entries.get(conversationId);
    if (entry && entry.expiresAt > this.now()) return entry.list;
    this.get(conversationId).catch(() => undefined);
    return undefined;
  }

  /** Drops one conversation's list, or every list when `conversationId` is null. */
  invalidate(conversationId: string | null): void {
    if (conversationId === null) {
      for (const loading of this.inFlight.values()) this.stale.add(loading);
      this.inFlight.clear();
      this.entries.clear();
      this.totalIds = 0;
      return;
    }
    const loading = this.inFlight.get(conversationId);
    if (loading) {
      this.stale.add(loading);
      this.inFlight.delete(conversationId);
    }
    this.remove(conversationId);
  }

  get size(): number {
    return this.entries.size;
  }

  private store(conversationId: string, list: MemberList): void {
    if (this.options.ttlMs <= 0 || list.ids.length > this.options.maxIds) return;
    this.remove(conversationId);
    this.entries.set(conversationId, { list, expiresAt: this.now() + this.options.ttlMs });
    this.totalIds += list.ids.length;
    for (const [id] of this.entries) {
      if (this.totalIds <= this.options.maxIds) break;
      this.remove(id);
    }
  }

  private remove(conversationId: string): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    this.entries.delete(conversationId);
    this.totalIds -= entry.list.ids.length;
  }
}
