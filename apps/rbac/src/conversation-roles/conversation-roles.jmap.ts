import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { type AccessChangedEvent, Permissions } from '@jchat/contracts';
import { JmapMethodRegistry } from '@jchat/bus';
import type { ConversationRole } from '@jchat/db';
import {
  standardMethods,
  SetErrorException,
  invalidProperty,
  notFound,
  onlyProperties,
} from '@jchat/jmap';
import { RBAC_CONFIG, type RbacConfig } from '../config';
import { grantIds } from '../grants/grant-filter';
import { conversationRoleId, parseConversationRoleId } from '../grants/grant-ids';
import { grantedFields } from '../grants/grant-object';
import { AccessService } from '../permissions/access.service';
import {
  ChangeAnnouncer,
  type RbacStateChange,
  type StagedWrites,
} from '../permissions/change-announcer';
import { requireHolding, requirePermission } from '../permissions/permission-list';
import { type ChangesSource, SyncStates } from '@jchat/db';
import { ConversationRolesRepository, type GrantKey } from './conversation-roles.repository';

const PROPERTIES = ['id', 'conversationId', 'userId', 'roleId', 'grantedBy', 'grantedAt'] as const;
const MAX_QUERY_LIMIT = 500;

/**
 * JMAP `ConversationRole/get|set|query|changes`: roles granted to a member in one conversation.
 * Members see their conversations' grants; granting and revoking needs roles.manage in that
 * conversation and every permission of the role there.
 */
@Injectable()
export class ConversationRolesJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly grants: ConversationRolesRepository,
    private readonly access: AccessService,
    private readonly sync: SyncStates,
    private readonly announcer: ChangeAnnouncer,
    @Inject(RBAC_CONFIG) private readonly config: RbacConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerAll(
      standardMethods('ConversationRole', {
        limits: this.config,
        ...this.sync.typeSync((ctx) => this.changedFor(ctx.userId)),
        get: {
          knownProperties: PROPERTIES,
          find: (ids, ctx) =>
            this.grants.visibleTo(
              ctx.userId,
              ids === null ? null : ids.flatMap((id) => parseConversationRoleId(id) ?? []),
            ),
          idOf,
          toObject,
        },
        query: {
          knownFilterProperties: ['conversationId', 'userId', 'roleId'],
          knownSortProperties: ['grantedAt'],
          maxLimit: MAX_QUERY_LIMIT,
          ids: async (parsed, ctx) => {
            const visible = (await this.grants.visibleTo(ctx.userId, null)).map(toObject);
            return grantIds(visible, parsed.filter, parsed.sort);
          },
        },
        set: this.announcer.stagedSet((callerId) => this.writes(callerId)),
      }),
    );
  }

  private changedFor(viewerId: string): ChangesSource {
    return (cursor, limit) => this.grants.changedSince(viewerId, cursor, limit);
  }

  private writes(callerId: string): StagedWrites {
    const changed: GrantKey[] = [];
    return {
      handlers: {
        create: async (_creationId, object) => {
          onlyProperties(object, ['conversationId', 'userId', 'roleId'], 'not settable on create');
          const key = parseGrantKey(object);
          const grant = await this.grantable(key, callerId);
          const created = await this.grants.create(key, callerId);
          if (!created)
            throw new SetErrorException({ type: 'alreadyExists', existingId: idOf(grant) });
          changed.push(key);
          return { id: idOf(created), serverSet: grantedFields(created) };
        },
        update: async (id, patch) => {
          await this.knownGrant(id, callerId);
          onlyProperties(patch, [], 'a grant cannot be changed: revoke it and grant another');
          return null;
        },
        destroy: async (id) => {
          const key = await this.knownGrant(id, callerId);
          await this.grantable(key, callerId);
          await this.grants.delete(key);
          changed.push(key);
        },
      },
      announcements: () => announcements(changed),
    };
  }

  /**
   * The key of an existing grant that the actor may know of: they read it (as a member of its
   * conversation) or may manage grants there (and would learn of it from an `alreadyExists`).
   * Anyone else gets the very `notFound` of a grant that does not exist, so that no answer tells
   * whether one exists.
   */
  private async knownGrant(id: string, actorId: string): Promise<GrantKey> {
    const key = parseConversationRoleId(id);
    if (!key || !(await this.grants.find(key))) throw notFound();
    const access = await this.access.conversationAccess(actorId, key.conversationId);
    const mayKnow =
      access.visible && (access.isMember || access.permissions.includes(Permissions.rolesManage));
    if (!mayKnow) throw notFound();
    return key;
  }

  /**
   * Checks that the actor may grant or revoke this grant: they see the conversation, the
   * grantee is a member, and they hold roles.manage there and every permission of the role.
   */
  private async grantable(key: GrantKey, actorId: string): Promise<GrantKey> {
    const access = await this.access.conversationAccess(actorId, key.conversationId);
    if (!access.visible) throw notFound('no such conversation');
    const role = await this.grants.role(key.roleId);
    if (!role) throw invalidProperty('roleId', 'no such role');
    if (!(await this.grants.isActiveMember(key.conversationId, key.userId))) {
      throw invalidProperty('userId', 'not an active member of the conversation');
    }
    requirePermission(access.permissions, Permissions.rolesManage);
    requireHolding(role.permissions, access.permissions);
    return key;
  }
}

function parseGrantKey(object: Record<string, unknown>): GrantKey {
  const uuidProperty = (property: keyof GrantKey): string => {
    const value = object[property];
    if (typeof value !== 'string' || !isUuid(value))
      throw invalidProperty(property, 'must be the Id of an existing record');
    return value;
  };
  return {
    conversationId: uuidProperty('conversationId'),
    userId: uuidProperty('userId'),
    roleId: uuidProperty('roleId'),
  };
}

function idOf(grant: GrantKey): string {
  return conversationRoleId(grant.conversationId, grant.userId, grant.roleId);
}

function toObject(grant: ConversationRole): Record<string, unknown> {
  return {
    id: idOf(grant),
    conversationId: grant.conversationId,
    userId: grant.userId,
    roleId: grant.roleId,
    ...grantedFields(grant),
  };
}

/** One access change and one push per conversation touched. */
function announcements(changed: readonly GrantKey[]): [AccessChangedEvent[], RbacStateChange[]] {
  const byConversation = new Map<string, Set<string>>();
  for (const key of changed) {
    byConversation.set(
      key.conversationId,
      (byConversation.get(key.conversationId) ?? new Set()).add(key.userId),
    );
  }
  const entries = [...byConversation];
  return [
    entries.map(([conversationId, users]) => ({ conversationId, userIds: [...users] })),
    entries.map(([conversationId]) => ({
      conversationId,
      types: ['ConversationRole'],
      extraAccountIds: [],
    })),
  ];
}
