import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Events, MessagingSubjects, type PostSystemMessageRequest } from '@jchat/contracts';
import { BusClient, EventBus } from '@jchat/bus';
import { OutboxStore, OutboxRelay } from '@jchat/db';
import { AccessClient } from '../access/access.client';

/** The outbox rows of this service. */
const CONVERSATIONS_OUTBOX = 'conversations';

/**
 * What a change will need announced, staged before it is written: the conversation, whose
 * members all lose their cached access (the safe superset), and accounts known to be affected.
 */
export interface StagedChange {
  conversationId: string;
  extraAccountIds?: string[];
}

const SYSTEM_MESSAGE_TIMEOUT_MS = 3000;

/** What one committed change to a conversation or its participants must tell the world. */
export interface ConversationChange {
  conversationId: string;
  /** Users whose access changed; an empty list means everyone's; absent means nobody's. */
  accessChangedFor?: string[];
  /** Accounts to push besides the members (e.g. users who were just removed). */
  extraAccountIds?: string[];
  /** Push to the members (true) or to extraAccountIds only (a private change, e.g. mute). */
  visibleToMembers?: boolean;
  systemMessages?: PostSystemMessageRequest[];
}

/**
 * Announces committed changes: drops cached access (at once through rbac, and durably through
 * Events.accessChanged), posts the system messages through messaging (a failure is logged, never
 * undoes the change), then publishes one Events.stateChanged for the conversation.
 *
 * A change is staged in the write-ahead outbox before it is written (`write`), so a crash or
 * NATS outage between its commit and its announcement leaves it to the relay, which announces
 * its staged superset (everyone's access, every member's push) instead of losing it.
 */
@Injectable()
export class ChangeNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('conversation-changes');
  private readonly relay: OutboxRelay;

  constructor(
    private readonly access: AccessClient,
    private readonly events: EventBus,
    private readonly bus: BusClient,
    private readonly outbox: OutboxStore,
  ) {
    this.relay = new OutboxRelay(outbox, CONVERSATIONS_OUTBOX, (row) =>
      this.announceStaged(row.payload as StagedChange),
    );
  }

  onModuleInit(): void {
    this.relay.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.relay.stop();
  }

  /**
   * Stages the change, runs the write, and returns its result with the outbox id that
   * `afterCommit` settles. A write that fails settles the row at once (nothing to announce).
   */
  async write<T>(staged: StagedChange, write: () => Promise<T>): Promise<[T, string]> {
    const outboxId = await this.outbox.stage(CONVERSATIONS_OUTBOX, staged);
    try {
      return [await write(), outboxId];
    } catch (error: unknown) {
      this.settle(outboxId);
      throw error;
    }
  }

  /** Announces a staged change the relay found (its writer died or could not publish). */
  private async announceStaged(staged: StagedChange): Promise<void> {
    const { conversationId } = staged;
    const event = { conversationId, userIds: [] };
    await this.access.invalidate(event).catch(() => undefined); // rbac also hears the event
    await this.events.publish(Events.accessChanged, event);
    await this.events.publish(Events.stateChanged, {
      conversationId,
      types: ['Conversation', 'Participant'],
      extraAccountIds: [...new Set(staged.extraAccountIds ?? [])],
      messageId: null,
      at: new Date().toISOString(),
    });
  }

  /** A staged change that turned out to need no announcement (e.g. nothing was written). */
  discard(outboxId: string): void {
    this.settle(outboxId);
  }

  private settle(outboxId: string): void {
    this.outbox.settle(outboxId).catch((error: unknown) => {
      // Left in place, the relay announces it again later: a spare push and cache drop at worst.
      this.logger.warn({ outboxId, error: String(error) }, 'could not settle an outbox row');
    });
  }

  async afterCommit(
    change: ConversationChange,
    requestId?: string,
    outboxId?: string,
  ): Promise<void> {
    const { conversationId } = change;
    let published = true;
    if (change.accessChangedFor) {
      const event = { conversationId, userIds: change.accessChangedFor };
      await this.access.invalidate(event, requestId);
      published &&= await this.publish('accessChanged', () =>
        this.events.publish(Events.accessChanged, event),
      );
    }
    for (const message of change.systemMessages ?? []) {
      try {
        await this.bus.request(MessagingSubjects.postSystemMessage, message, {
          requestId,
          timeoutMs: SYSTEM_MESSAGE_TIMEOUT_MS,
        });
      } catch (error: unknown) {
        this.logger.warn(
          {
            requestId,
            conversationId,
            kind: message.kind,
            error: error instanceof Error ? error.message : String(error),
          },
          'could not post the system message; the change stands',
        );
      }
    }
    const visibleToMembers = change.visibleToMembers ?? true;
    published &&= await this.publish('stateChanged', () =>
      this.events.publish(Events.stateChanged, {
        conversationId: visibleToMembers ? conversationId : null,
        types: ['Conversation', 'Participant'],
        extraAccountIds: [...new Set(change.extraAccountIds ?? [])],
        messageId: null,
        at: new Date().toISOString(),
      }),
    );
    // Unpublished, the staged row stays for the relay.
    if (outboxId && published) this.settle(outboxId);
  }

  private async publish(what: string, send: () => Promise<void>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error: unknown) {
      // Committed already: the staged change (if any) is announced by the relay later.
      this.logger.error(
        { event: what, error: error instanceof Error ? error.message : String(error) },
        'could not publish',
      );
      return false;
    }
  }
}
