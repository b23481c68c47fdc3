import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type AccessChangedEvent, Events, type JmapDataType } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { OutboxStore, OutboxRelay } from '@jchat/db';
import {
  type MethodContext,
  runSet,
  type SetArguments,
  type SetDefinition,
  type SetHandlers,
  type SetResult,
} from '@jchat/jmap';
import { AccessService } from './access.service';

/** The outbox rows of this service. */
const RBAC_OUTBOX = 'rbac';

/** What an RBAC /set announces: cached access to drop, and state changes to push. */
export type Announcements = [readonly AccessChangedEvent[], readonly RbacStateChange[]];

/** The writes of an RBAC /set: its handlers, and what they changed once they have run. */
export interface StagedWrites {
  handlers: SetHandlers<Record<string, unknown>>;
  announcements(): Announcements;
}

export interface RbacStateChange {
  conversationId: string | null;
  types: JmapDataType[];
  extraAccountIds: string[];
}

/**
 * Tells the world after an RBAC commit: drops this service's cached answers at once, then
 * publishes Events.accessChanged (other caches) and Events.stateChanged (push).
 *
 * A /set runs inside `staged`: before it writes, the write-ahead outbox gets the safe superset
 * of what it may announce (every cached access answer dropped, the caller's RBAC types pushed),
 * settled once its own announcements are out. A crash or NATS outage in between leaves that to
 * the relay, so no grant or revocation goes unannounced to the caches.
 */
@Injectable()
export class ChangeAnnouncer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('rbac-changes');
  private readonly relay: OutboxRelay;

  constructor(
    private readonly access: AccessService,
    private readonly events: EventBus,
    private readonly outbox: OutboxStore,
  ) {
    this.relay = new OutboxRelay(outbox, RBAC_OUTBOX, (row) =>
      this.replay(row.payload as Announcements),
    );
  }

  onModuleInit(): void {
    this.relay.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.relay.stop();
  }

  /**
   * The /set of an RBAC type (libs/jmap standardMethods): runSet over the handlers `prepare` makes
   * for the caller, inside `staged`, announcing what they changed.
   */
  stagedSet<C extends MethodContext>(
    prepare: (callerId: string) => StagedWrites | Promise<StagedWrites>,
  ): SetDefinition<Record<string, unknown>, C> {
    return {
      apply: (parsed: SetArguments, ctx: C): Promise<SetResult<Record<string, unknown>>> =>
        this.staged(ctx.userId, async () => {
          const writes = await prepare(ctx.userId);
          const outcome = await runSet(parsed, writes.handlers, ctx.createdIds);
          return [outcome, writes.announcements()];
        }),
    };
  }

  /** Runs the writes of one /set (returning what they changed) and announces them. */
  async staged<T>(callerId: string, writes: () => Promise<[T, Announcements]>): Promise<T> {
    const superset: Announcements = [
      [{ conversationId: null, userIds: [] }],
      [
        {
          conversationId: null,
          types: ['Role', 'UserRole', 'ConversationRole'],
          extraAccountIds: [callerId],
        },
      ],
    ];
    const outboxId = await this.outbox.stage(RBAC_OUTBOX, superset);
    let announced = false;
    try {
      const [result, announcements] = await writes();
      announced = await this.announce(...announcements);
      return result;
    } finally {
      // Unannounced (or failed half-way), the row stays for the relay.
      if (announced) {
        this.outbox.settle(outboxId).catch((error: unknown) => {
          this.logger.warn({ outboxId, error: String(error) }, 'could not settle an outbox row');
        });
      }
    }
  }

  /** Announces; true when every event was published. */
  async announce(
    accessChanges: readonly AccessChangedEvent[],
    stateChanges: readonly RbacStateChange[],
  ): Promise<boolean> {
    let published = true;
    for (const change of accessChanges) {
      await this.access.invalidate(change);
      published &&= await this.publish(() => this.events.publish(Events.accessChanged, change));
    }
    const at = new Date().toISOString();
    for (const change of stateChanges) {
      published &&= await this.publish(() =>
        this.events.publish(Events.stateChanged, { ...change, messageId: null, at }),
      );
    }
    return published;
  }

  /** Announces what the relay found; throws so that a failed publish keeps the row. */
  private async replay([accessChanges, stateChanges]: Announcements): Promise<void> {
    if (!(await this.announce(accessChanges, stateChanges))) {
      throw new Error('could not publish the staged announcements');
    }
  }

  private async publish(send: () => Promise<void>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error: unknown) {
      this.logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'could not publish an event',
      );
      return false;
    }
  }
}
