import { Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import type { ParticipantRole } from '@jchat/contracts';
import { SetErrorException, invalidProperty, notFound, onlyProperties } from '@jchat/jmap';
import { AccessClient } from '../access/access.client';
import { ChangeNotifier } from '../changes/change-notifier';
import { type MembershipEvent, systemMessage } from '../changes/system-messages';
import { parseBoolean, parseJsonObject } from '../conversations/conversation-input';
import { patchedProperties } from '../patching';
import { type UserCard, UsersRepository } from '../users/users.repository';
import { parseDisplayName, parseIdOrNull, parsePermissions, parseRole } from './participant-input';
import {
  checkAddition,
  checkOwnChange,
  checkPermissionsChange,
  checkRemoval,
  checkRoleChange,
} from './participant-rules';
import { toParticipantObject } from './participant-view';
import { type ParticipantChanges, ParticipantsRepository } from './participants.repository';

const CREATABLE = ['conversationId', 'userId', 'role', 'permissions'] as const;
const UPDATABLE = [
  'role',
  'permissions',
  'lastReadMessageId',
  'isMuted',
  'displayName',
  'avatarBlobId',
  'metadata',
];
/** Properties only the participant themself may change. */
const OWN = new Set(['lastReadMessageId', 'isMuted', 'displayName', 'avatarBlobId', 'metadata']);

export interface Actor {
  userId: string;
  requestId?: string;
}

/** The actor of a JMAP method call. */
export function actorOf(ctx: { userId: string; requestId: string | undefined }): Actor {
  return { userId: ctx.userId, requestId: ctx.requestId };
}

/** Participant/set: invitations and joins, role and permission changes, own settings, leaving and removal. */
@Injectable()
export class ParticipantsService {
  constructor(
    private readonly participants: ParticipantsRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessClient,
    private readonly notifier: ChangeNotifier,
  ) {}

  /** Create = join (userId omitted or the actor's own) or invite (anyone else). */
  async create(
    actor: Actor,
    object: Record<string, unknown>,
  ): Promise<{ id: string; serverSet: Record<string, unknown> }> {
    onlyProperties(object, CREATABLE, 'set by the server, or changed later by the participant');
    const conversationId = object['conversationId'];
    if (typeof conversationId !== 'string' || !isUuid(conversationId)) {
      throw invalidProperty('conversationId', 'must be the Id of a conversation');
    }
    const userId = object['userId'] ?? actor.userId;
    if (typeof userId !== 'string') throw invalidProperty('userId', 'must be a user Id');
    const role = object['role'] === undefined ? 'member' : parseRole(object['role']);
    const permissions =
      object['permissions'] === undefined ? [] : parsePermissions(object['permissions']);

    const access = await this.access.of(actor.userId, conversationId, actor.requestId);
    if (userId === actor.userId && access.isMember) {
      await this.alreadyMember(conversationId, userId);
    }
    checkAddition(access, actor.userId, userId, role, permissions);
    const people = await this.users.activeUsers([actor.userId, userId]);
    const user = people.get(userId);
    if (!user) throw invalidProperty('userId', 'no such active user');

    const [participant, outboxId] = await this.notifier.write(
      { conversationId, extraAccountIds: [userId] },
      () => this.participants.join(conversationId, user, role, permissions),
    );
    if (!participant) {
      this.notifier.discard(outboxId);
      return this.alreadyMember(conversationId, userId);
    }
    const event: MembershipEvent =
      userId === actor.userId
        ? { kind: 'participant.joined' }
        : { kind: 'participant.invited', target: user };
    await this.notifier.afterCommit(
      {
        conversationId,
        accessChangedFor: [userId],
        systemMessages: [
          systemMessage(
            conversationId,
            people.get(actor.userId) ?? user,
            event,
            participant.modseq,
          ),
        ],
      },
      actor.requestId,
      outboxId,
    );
    const { id, ...serverSet } = toParticipantObject(participant, actor.userId);
    return { id: String(id), serverSet };
  }

  async update(
    actor: Actor,
    id: string,
    patch: Record<string, unknown>,
  ): Promise<Record<string, unknown> | null> {
    const target = await this.visibleParticipant(actor, id);
    const { patched, changed } = patchedProperties(
      toParticipantObject(target.participant, actor.userId),
      patch,
    );
    onlyProperties(
      Object.fromEntries(changed.map((property) => [property, true])),
      UPDATABLE,
      'set by the server or immutable',
    );
    const { participant, access } = target;
    const changes: ParticipantChanges = {};
    for (const property of changed) {
      if (OWN.has(property)) checkOwnChange(actor.userId, participant.userId, property);
      const value = patched[property] ?? null;
      switch (property) {
        case 'role':
          changes.role = parseRole(value);
          checkRoleChange(access, participant.role as ParticipantRole, changes.role);
          break;
        case 'permissions':
          changes.permissions = parsePermissions(value ?? []);
          checkPermissionsChange(access, participant.permissions, changes.permissions);
          break;
        case 'lastReadMessageId':
          changes.lastRead = await this.readPosition(participant.conversationId, value);
          break;
        case 'isMuted':
          changes.isMuted = parseBoolean(value, 'isMuted');
          break;
        case 'displayName':
          changes.displayName = parseDisplayName(value);
          break;
        case 'avatarBlobId':
          changes.avatarBlobId = parseIdOrNull(value, 'avatarBlobId');
          break;
        case 'metadata':
          changes.metadata = parseJsonObject(
            value ?? {},
            'metadata',
          ) as ParticipantChanges['metadata'];
          break;
      }
    }
    if (Object.keys(changes).length === 0) return null;

    // Checked again on the rows as they are once the conversation is held: a concurrent
    // hand-over or role change may have moved the owner since the checks above.
    const nextRole = changes.role;
    const [[updated, ...demoted], outboxId] = await this.notifier.write(
      { conversationId: participant.conversationId, extraAccountIds: [actor.userId] },
      () =>
        this.participants.update(participant, changes, {
          actorId: actor.userId,
          check: (currentRole, actorRole) => {
            if (nextRole !== undefined)
              checkRoleChange({ ...access, role: actorRole }, currentRole, nextRole);
          },
        }),
    );
    const accessChanged = changes.role !== undefined || changes.permissions !== undefined;
    const shared = changed.some((property) => property !== 'isMuted');
    const people =
      changes.role !== undefined
        ? await this.users.activeUsers([actor.userId])
        : new Map<string, UserCard>();
    const actorCard = people.get(actor.userId);
    await this.notifier.afterCommit(
      {
        conversationId: participant.conversationId,
        accessChangedFor: accessChanged
          ? [updated.userId, ...demoted.map((row) => row.userId)]
          : undefined,
        visibleToMembers: shared,
        extraAccountIds: shared ? [] : [actor.userId],
        systemMessages:
          changes.role !== undefined && actorCard
            ? [
                systemMessage(
                  participant.conversationId,
                  actorCard,
                  {
                    kind: 'participant.roleChanged',
                    target: { id: participant.userId, displayName: participant.displayName },
                    role: changes.role,
                  },
                  updated.modseq,
                ),
              ]
            : [],
      },
      actor.requestId,
      outboxId,
    );
    if (!changes.lastRead) return null;
    const { lastReadAt, lastActiveAt } = toParticipantObject(updated, actor.userId);
    return { lastReadAt, lastActiveAt };
  }

  /** Destroy = leave (one's own participant) or remove (someone else's). */
  async destroy(actor: Actor, id: string): Promise<void> {
    const { participant, access } = await this.visibleParticipant(actor, id);
    const leaving = participant.userId === actor.userId;
    // Checked on the participant as it is once the conversation is held, with the members then:
    // nobody joins between an owner's check and their leaving.
    const [left, outboxId] = await this.notifier.write(
      { conversationId: participant.conversationId, extraAccountIds: [participant.userId] },
      () =>
        this.participants.leave(participant, (current, activeMembers) =>
          checkRemoval(
            access,
            actor.userId,
            { userId: current.userId, role: current.role as ParticipantRole },
            activeMembers,
          ),
        ),
    );
    const actorCard = leaving
      ? { id: participant.userId, displayName: participant.displayName }
      : ((await this.users.activeUsers([actor.userId])).get(actor.userId) ?? {
          id: actor.userId,
          displayName: 'Someone',
        });
    const event: MembershipEvent = leaving
      ? { kind: 'participant.left' }
      : {
          kind: 'participant.removed',
          target: { id: participant.userId, displayName: participant.displayName },
        };
    await this.notifier.afterCommit(
      {
        conversationId: participant.conversationId,
        accessChangedFor: [participant.userId],
        extraAccountIds: [participant.userId],
        systemMessages: [systemMessage(participant.conversationId, actorCard, event, left.modseq)],
      },
      actor.requestId,
      outboxId,
    );
  }

  private async alreadyMember(conversationId: string, userId: string): Promise<never> {
    const existing = await this.participants.find(conversationId, userId);
    throw new SetErrorException({
      type: 'alreadyExists',
      existingId: existing?.id,
      description: 'already a member',
    });
  }

  /** An active participant of a conversation the actor sees, with the actor's access there. */
  private async visibleParticipant(actor: Actor, id: string) {
    const participant = isUuid(id) ? await this.participants.findById(id) : null;
    if (!participant?.isActive) throw notFound();
    const access = await this.access.of(actor.userId, participant.conversationId, actor.requestId);
    if (!access.visible) throw notFound();
    return { participant, access };
  }

  private async readPosition(
    conversationId: string,
    value: unknown,
  ): Promise<NonNullable<ParticipantChanges['lastRead']>> {
    const messageId = parseIdOrNull(value, 'lastReadMessageId');
    if (messageId === null) return { messageId: null, seq: 0n };
    const seq = isUuid(messageId)
      ? await this.participants.messageSeq(conversationId, messageId)
      : null;
    if (seq === null)
      throw invalidProperty('lastReadMessageId', 'no such message in this conversation');
    return { messageId, seq };
  }
}
