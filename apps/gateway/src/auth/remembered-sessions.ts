/** Sessions remembered as live at most (the oldest confirmation is forgotten first). */
const MAX_REMEMBERED = 100_000;

/**
 * The sessions this gateway confirmed live lately (at login or refresh, or from Redis), so that
 * a request or WebSocket upgrade needs no Redis round trip, and those it heard were revoked.
 * A confirmation holds for `ttlMs` at most; every revocation is announced to every gateway
 * (`Events.sessionsRevoked`) and forgets the session at once. What was published while this
 * gateway was away from NATS is missed, so a gap forgets every confirmation and none is taken
 * until it ends; a confirmation read before a gap or a revocation (`epoch`) is not taken after it.
 */
export class RememberedSessions {
  /** Session id → its user and when it was confirmed, oldest first. */
  private readonly live = new Map<string, { userId: string; at: number }>();
  /** Session id → when its revocation was heard, oldest first (kept ttlMs). */
  private readonly revoked = new Map<string, number>();
  private connected = true;
  /** Moves on every gap and every revocation. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The state a confirmation read from now on is taken against (see remember). */
  get epoch(): number {
    return this.generation;
  }

  /** true: live; false: revoked; undefined: not known here. */
  answer(userId: string, sessionId: string): boolean | undefined {
    if (this.revoked.has(sessionId)) return false;
    const entry = this.live.get(sessionId);
    if (!entry || !this.connected) return undefined;
    if (this.now() - entry.at >= this.ttlMs) {
      this.live.delete(sessionId);
      return undefined;
    }
    // Another user's token naming this session: Redis (and the auth service) refuse it.
    return entry.userId === userId ? true : undefined;
  }

  /** The session was found live by a read that began at `epoch`. */
  remember(userId: string, sessionId: string, epoch: number): void {
    if (this.ttlMs <= 0 || !this.connected || epoch !== this.generation) return;
    if (this.revoked.has(sessionId)) return;
    const now = this.now();
    this.live.delete(sessionId);
    this.live.set(sessionId, { userId, at: now });
    this.dropOldest(this.live, (entry) => entry.at, now);
  }

  /** These sessions ended. */
  forget(sessionIds: readonly string[]): void {
    const now = this.now();
    this.generation += 1;
    for (const id of sessionIds) {
      this.live.delete(id);
      this.revoked.delete(id);
      this.revoked.set(id, now);
    }
    this.dropOldest(this.revoked, (at) => at, now);
  }

  /** Some sessions may have ended, which ones is not known (an unreadable announcement). */
  forgetAll(): void {
    this.generation += 1;
    this.live.clear();
  }

  /** NATS is away (false) or back (true). */
  connectionChanged(connected: boolean): void {
    this.forgetAll();
    this.connected = connected;
  }

  get size(): number {
    return this.live.size;
  }

  /** Drops expired entries from the front, and the oldest past MAX_REMEMBERED. */
  private dropOldest<V>(map: Map<string, V>, at: (value: V) => number, now: number): void {
    for (const [id, value] of map) {
      if (map.size <= MAX_REMEMBERED && now - at(value) < this.ttlMs) break;
      map.delete(id);
    }
  }
}
