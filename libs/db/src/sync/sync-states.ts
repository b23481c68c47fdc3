import { Injectable } from '@nestjs/common';
import {
  type ChangesResponse,
  decodeCursor,
  decodeSinceCursor,
  horizonState,
  JmapMethodError,
  type MethodContext,
  pageChanges,
  type SetState,
  type TypeSync,
  parseChangesArguments,
  type SyncCursor,
  type SyncHorizon,
} from '@jchat/jmap';
import { IfInStateGuard } from './if-in-state-guard';
import { SyncRepository } from './sync.repository';

/** Server-side cap on one /changes page when the client gives no maxChanges. */
const MAX_CHANGES = 1000;

export type ChangeKind = 'created' | 'updated' | 'destroyed';

/** One object that changed after a cursor, as the account sees it. */
export interface ChangedObject {
  id: string;
  modseq: bigint;
  kind: ChangeKind;
}

/** Rows changed after `cursor`, ordered by (modseq, id), at most `limit`. */
export type ChangesSource = (cursor: SyncCursor, limit: number) => Promise<ChangedObject[]>;

/**
 * Standard /changes and state handling over modseq-stamped rows (docs/ENGINEERING.md "Sync state").
 * A state is `cannotCalculateChanges` only when this server could not have issued it: it does not
 * decode, or it lies above every transaction id handed out so far. Tombstones are kept, so every
 * state the server did issue can be answered.
 */
@Injectable()
export class SyncStates {
  constructor(
    private readonly sync: SyncRepository,
    private readonly guard: IfInStateGuard,
  ) {}

  async current(): Promise<string> {
    return stateOf(await this.sync.horizon());
  }

  /**
   * Decodes a client's sinceState and reads the horizon (in that order: the horizon comes before
   * the data); cannotCalculateChanges for a state this server could not have issued.
   */
  async since(state: string): Promise<{ cursor: SyncCursor; horizon: SyncHorizon }> {
    const cursor = decodeSinceCursor(state);
    const horizon = await this.sync.horizon();
    if (!(await this.couldHaveIssued(cursor, horizon))) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        `"${state}" is not a state of this server`,
      );
    }
    return { cursor, horizon };
  }

  async changes(args: Record<string, unknown>, source: ChangesSource): Promise<ChangesResponse> {
    const parsed = parseChangesArguments(args);
    const { cursor, horizon } = await this.since(parsed.sinceState);
    const maxChanges = Math.min(parsed.maxChanges ?? MAX_CHANGES, MAX_CHANGES);
    const { page, hasMoreChanges, newState } = pageChanges(
      await source(cursor, maxChanges + 1),
      maxChanges,
      horizon,
    );
    return {
      accountId: parsed.accountId,
      oldState: parsed.sinceState,
      newState,
      hasMoreChanges,
      created: page.filter((row) => row.kind === 'created').map((row) => row.id),
      updated: page.filter((row) => row.kind === 'updated').map((row) => row.id),
      destroyed: page.filter((row) => row.kind === 'destroyed').map((row) => row.id),
    };
  }

  /**
   * The TypeSync (libs/jmap standardMethods) of a type whose rows changed for the caller
   * `sourceFor` lists: the horizon as state, /set guarded by ifInState's meaning, /changes.
   */
  typeSync<C extends MethodContext>(sourceFor: (ctx: C) => ChangesSource): TypeSync<C> {
    return {
      state: () => this.current(),
      setState: (ctx) => this.setState(sourceFor(ctx)),
      changes: async (args, ctx) => ({ response: await this.changes(args, sourceFor(ctx)) }),
    };
  }

  /**
   * A /set of `type` for the account: checks `ifInState` (see checkIfInState) and runs `write`
   * with the state to report as oldState. With ifInState, check and writes hold the account's
   * state of the type (IfInStateGuard), so of concurrent /sets with the same ifInState one writes
   * and the others get stateMismatch.
   */
  guardedSet<T>(
    accountId: string,
    type: string,
    ifInState: string | null,
    source: ChangesSource,
    write: (oldState: string) => Promise<T>,
  ): Promise<T> {
    return this.guard.run(accountId, type, ifInState, async () =>
      write(await this.checkIfInState(ifInState, source)),
    );
  }

  /** The SetState of a type whose changes visible to the account `source` lists (see guardedSet). */
  setState(source: ChangesSource): SetState {
    return {
      guarded: (accountId, type, ifInState, write) =>
        this.guardedSet(accountId, type, ifInState, source, write),
      current: () => this.current(),
    };
  }

  /**
   * `ifInState` by meaning: it matches when nothing the account sees of the type changed since
   * it. Returns the state to report as oldState. Alone it is a check, not a guard: see guardedSet.
   */
  async checkIfInState(ifInState: string | null, source: ChangesSource): Promise<string> {
    const horizon = await this.sync.horizon();
    if (ifInState === null) return stateOf(horizon);
    const cursor = decodeCursor(ifInState);
    const unchanged =
      cursor !== null &&
      (await this.couldHaveIssued(cursor, horizon)) &&
      (await source(cursor, 1)).length === 0;
    if (!unchanged) {
      throw new JmapMethodError('stateMismatch', `something changed since "${ifInState}"`);
    }
    return ifInState;
  }

  private async couldHaveIssued(cursor: SyncCursor, horizon: SyncHorizon): Promise<boolean> {
    return cursor.modseq <= horizon.modseq || cursor.modseq <= (await this.sync.issuedUpTo());
  }
}

export function stateOf(horizon: SyncHorizon): string {
  return horizonState(horizon);
}
