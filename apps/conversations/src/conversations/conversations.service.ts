import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isUuid } from '@jchat/common';
import { Permissions } from '@jchat/contracts';
import { AccessClient } from '../access/access.client';
import { requirePermission, requireVisible } from '../access/access-rules';
import { ChangeNotifier } from '../changes/change-notifier';
import { type ConversationEvent, systemMessage } from '../changes/system-messages';
import { ParticipantsRepository } from '../participants/participants.repository';
import type { Actor } from '../participants/participants.service';
import { patchedProperties } from '../patching';
import { forbidden, invalidProperty, notFound, onlyProperties } from '@jchat/jmap';
import { UsersRepository } from '../users/users.repository';
import {
  directKey,
  parseBoolean,
  parseDescription,
  parseJsonObject,
  parseNewConversation,
  parsePrivacyLevel,
  parseTitle,
} from './conversation-input';
import { type ConversationObject, toConversationObject } from './conversation-view';
import {
  type ConversationChanges,
  ConversationsRepository,
  type NewMember,
} from './conversations.repository';

/** What each updatable property needs: a permission, or being a member (one's own mute). */
const UPDATE_RULES: Readonly<Record<string, string>> = {
  title: Permissions.conversationUpdate,
  description: Permissions.conversationUpdate,
  settings: Permissions.conversationUpdate,
  metadata: Permissions.conversationUpdate,
  privacyLevel: Permissions.conversationUpdate,
  isArchived: Permissions.conversationArchive,
  isMuted: 'member',
};

/** Conversation/set: creating (with the first members), updating, archiving, muting and destroying. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly participants: ParticipantsRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessClient,
    private readonly notifier: ChangeNotifier,
  ) {}

  /**
   * The creator is the owner and the listed users members (as if invited). A direct
   * conversation between two people who already have one returns that one.
   */
  async create(
    actor: Actor,
    object: Record<string, unknown>,
  ): Promise<{ id: string; serverSet: Omit<ConversationObject, 'id'> }> {
    const input = parseNewConversation(object, actor.userId);
    const people = await this.users.activeUsers([actor.userId, ...input.participantIds]);
    const unknown = input.participantIds.filter((id) => !people.get(id));
    if (unknown.length > 0)
      throw invalidProperty(
        'participantIds',
        `unknown or deactivated user(s): ${unknown.join(', ')}`,
      );
    const creator = people.get(actor.userId);
    if (!creator) throw notFound('the creator is not an active user');

    const [other] = input.participantIds;
    const key =
      input.conversationType === 'direct' && other ? directKey(actor.userId, other) : null;
    const existing = key === null ? null : await this.conversations.findByDirectKey(key);
    if (existing) return this.objectFor(actor, existing.id);

    const members: NewMember[] = [
      {
        userId: creator.id,
        displayName: creator.displayName,
        role: 'owner',
        isMuted: input.isMuted,
      },
      ...input.participantIds.flatMap((id) => {
        const user = people.get(id);
        return user
          ? [{ userId: id, displayName: user.displayName, role: 'member' as const, isMuted: false }]
          : [];
      }),
    ];
    const newId = randomUUID();
    const [outcome, outboxId] = await this.notifier.write({ conversationId: newId }, () =>
      this.conversations.create(input, actor.userId, members, key, newId),
    );
    if ('existingId' in outcome) {
      this.notifier.discard(outboxId);
      return this.objectFor(actor, outcome.existingId);
    }
    const { created } = outcome;
    await this.notifier.afterCommit(
      {
        conversationId: created.id,
        systemMessages:
          input.conversationType === 'direct'
            ? []
            : [
                systemMessage(
                  created.id,
                  creator,
                  { kind: 'conversation.created' },
                  created.modseq,
                ),
              ],
      },
      actor.requestId,
      outboxId,
    );
    return this.objectFor(actor, created.id);
  }

  async update(actor: Actor, id: string, patch: Record<string, unknown>): Promise<null> {
    const [record] = isUuid(id) ? await this.conversations.findVisible(actor.userId, [id]) : [];
    if (!record) throw notFound();
    const { patched, changed } = patchedProperties(toConversationObject(record), patch);
    onlyProperties(
      Object.fromEntries(changed.map((property) => [property, true])),
      Object.keys(UPDATE_RULES),
      'set by the server or immutable (participants change through Participant/set)',
    );
    const shared: ConversationChanges = {};
    let isMuted: boolean | undefined;
    for (const property of changed) {
      const value = patched[property] ?? null;
      switch (property) {
        case 'title':
          shared.title = parseTitle(value);
          break;
        case 'description':
          shared.description = parseDescription(value);
          break;
        case 'settings':
          shared.settings = parseJsonObject(value ?? {}, 'settings');
          break;
        case 'metadata':
          shared.metadata = parseJsonObject(value ?? {}, 'metadata');
          break;
        case 'privacyLevel':
          shared.privacyLevel = parsePrivacyLevel(value);
          if (record.conversation.conversationType === 'direct')
            throw invalidProperty('privacyLevel', 'a direct conversation is private');
          break;
        case 'isArchived':
          shared.isArchived = parseBoolean(value, 'isArchived');
          break;
        case 'isMuted':
          isMuted = parseBoolean(value, 'isMuted');
          break;
      }
    }
    const access = await this.access.of(actor.userId, id, actor.requestId);
    requireVisible(access);
    for (const property of changed) {
      const rule = UPDATE_RULES[property];
      if (rule === 'member') {
        if (!access.isMember) throw forbidden('only members mute a conversation');
      } else if (rule !== undefined) {
        requirePermission(access, rule);
      }
    }

    const mine = record.mine;
    if (isMuted !== undefined && mine) {
      const [, outboxId] = await this.notifier.write(
        { conversationId: id, extraAccountIds: [actor.userId] },
        () => this.participants.update(mine, { isMuted }),
      );
      if (Object.keys(shared).length > 0) this.notifier.discard(outboxId);
      else {
        await this.notifier.afterCommit(
          { conversationId: id, visibleToMembers: false, extraAccountIds: [actor.userId] },
          actor.requestId,
          outboxId,
        );
      }
    }
    if (Object.keys(shared).length === 0) return null;
    const [written, outboxId] = await this.notifier.write({ conversationId: id }, () =>
      this.conversations.update(id, shared),
    );
    const actorCard = (await this.users.activeUsers([actor.userId])).get(actor.userId) ?? {
      id: actor.userId,
      displayName: 'Someone',
    };
    const events: ConversationEvent[] = [];
    if (shared.isArchived !== undefined) {
      events.push({
        kind: shared.isArchived ? 'conversation.archived' : 'conversation.unarchived',
      });
    }
    const described = changed.filter((property) =>
      ['title', 'description', 'privacyLevel'].includes(property),
    );
    if (described.length > 0) events.push({ kind: 'conversation.updated', properties: described });
    await this.notifier.afterCommit(
      {
        conversationId: id,
        // rbac's answers carry the privacy level and archived flag.
        accessChangedFor:
          shared.privacyLevel !== undefined || shared.isArchived !== undefined ? [] : undefined,
        systemMessages: events.map((event) => systemMessage(id, actorCard, event, written.modseq)),
      },
      actor.requestId,
      outboxId,
    );
    return null;
  }

  /** Destroys the conversation for everyone (conversation.delete). */
  async destroy(actor: Actor, id: string): Promise<void> {
    if (!isUuid(id)) throw notFound();
    const access = await this.access.of(actor.userId, id, actor.requestId);
    if (!access.visible) throw notFound();
    requirePermission(access, Permissions.conversationDelete);
    const [formerMembers, outboxId] = await this.notifier.write({ conversationId: id }, () =>
      this.conversations.softDelete(id),
    );
    await this.notifier.afterCommit(
      { conversationId: id, accessChangedFor: [], extraAccountIds: formerMembers },
      actor.requestId,
      outboxId,
    );
  }

  private async objectFor(
    actor: Actor,
    id: string,
  ): Promise<{ id: string; serverSet: Omit<ConversationObject, 'id'> }> {
    const [record] = await this.conversations.findVisible(actor.userId, [id]);
    if (!record) throw notFound();
    const { id: _id, ...serverSet } = toConversationObject(record);
    return { id, serverSet };
  }
}
