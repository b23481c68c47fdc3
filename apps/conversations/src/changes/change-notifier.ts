import { Injectable, Logger } from '@nestjs/common';
import {
  BusClient,
  EventBus,
  Events,
  MessagingSubjects,
  type PostSystemMessageRequest,
} from '@jchat/contracts';
import { AccessClient } from '../access/access.client';

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
 * Runs after a commit: drops cached access (at once through rbac, and durably through
 * Events.accessChanged), posts the system messages through messaging (a failure is logged, never
 * undoes the change), then publishes one Events.stateChanged for the conversation.
 */
@Injectable()
export class ChangeNotifier {
  private readonly logger = new Logger('conversation-changes');

  constructor(
    private readonly access: AccessClient,
    private readonly events: EventBus,
    private readonly bus: BusClient,
  ) {}

  async afterCommit(change: ConversationChange, requestId?: string): Promise<void> {
    const { conversationId } = change;
    if (change.accessChangedFor) {
      const event = { conversationId, userIds: change.accessChangedFor };
      await this.access.invalidate(event, requestId);
      await this.publish('accessChanged', () => this.events.publish(Events.accessChanged, event));
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
    await this.publish('stateChanged', () =>
      this.events.publish(Events.stateChanged, {
        conversationId: visibleToMembers ? conversationId : null,
        types: ['Conversation', 'Participant'],
        extraAccountIds: [...new Set(change.extraAccountIds ?? [])],
        messageId: null,
        at: new Date().toISOString(),
      }),
    );
  }

  private async publish(what: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error: unknown) {
      // Committed already: a lost event delays pushes (clients resync with /changes) and other
      // services' caches (rbac's was dropped above; entries also expire).
      this.logger.error(
        { event: what, error: error instanceof Error ? error.message : String(error) },
        'could not publish',
      );
    }
  }
}
