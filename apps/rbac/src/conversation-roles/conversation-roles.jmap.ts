import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { type AccessChangedEvent, Permissions } from '@jchat/contracts';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import type { ConversationRole } from '@jchat/db';
import {
  buildQueryResponse,
  buildSetResponse,
  parseGetArguments,
  parseQueryArguments,
  parseSetArguments,
  runSet,
  SetErrorException,
  windowQueryResults,
  invalidProperty,
  notFound,
  onlyProperties,
  type SetArguments,
} from '@jchat/jmap';
import { RBAC_CONFIG, type RbacConfig } from '../config';
import { idEqualityFilter, sortByGrantedAt } from '../grants/grant-filter';
import { conversationRoleId, parseConversationRoleId } from '../grants/grant-ids';
import { grantedFields, pickProperties } from '../grants/grant-object';
import { AccessService } from '../permissions/access.service';
import { ChangeAnnouncer, type RbacStateChange } from '../permissions/change-announcer';
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
    this.registry.register('ConversationRole/get', (args, ctx) => this.get(args, ctx));
    this.registry.register('ConversationRole/changes', async (args, ctx) => ({
      response: await this.sync.changes(args, this.changedFor(ctx.userId)),
    }));
    this.registry.register('ConversationRole/query', (args, ctx) => this.query(args, ctx));
    this.registry.register('ConversationRole/set', (args, ctx) => this.set(args, ctx));
  }

  private changedFor(viewerId: string): ChangesSource {
    return (cursor, limit) => this.grants.changedSince(viewerId, cursor, limit);
  }

  private async get(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseGetArguments(args, {
      maxObjectsInGet: this.config.JMAP_MAX_OBJECTS_IN_GET,
      knownProperties: PROPERTIES,
    });
    const state = await this.sync.current();
    const keys =
      parsed.ids === null ? null : parsed.ids.flatMap((id) => parseConversationRoleId(id) ?? []);
    const found = await this.grants.visibleTo(ctx.userId, keys);
    const byId = new Map(found.map((grant) => [idOf(grant), grant]));
    const ids = parsed.ids ?? [...byId.keys()];
    return {
      response: {
        accountId: parsed.accountId,
        state,
        list: ids.flatMap((id) => {
          const grant = byId.get(id);
          return grant ? [pickProperties(toObject(grant), parsed.properties)] : [];
        }),
        notFound: ids.filter((id) => !byId.has(id)),
      },
    };
  }

  private async query(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseQueryArguments(args, {
      knownFilterProperties: ['conversationId', 'userId', 'roleId'],
      knownSortProperties: ['grantedAt'],
    });
    const queryState = await this.sync.current();
    const matches = idEqualityFilter(parsed.filter);
    const visible = (await this.grants.visibleTo(ctx.userId, null)).map(toObject);
    const objects = sortByGrantedAt(visible.filter(matches), parsed.sort);
    return {
      response: buildQueryResponse({
        accountId: parsed.accountId,
        queryState,
        canCalculateChanges: false,
        calculateTotal: parsed.calculateTotal,
        window: windowQueryResults(
          objects.map((object) => String(object['id'])),
          parsed,
          MAX_QUERY_LIMIT,
        ),
      }),
    };
  }

  private async set(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseSetArguments(args, {
      maxObjectsInSet: this.config.JMAP_MAX_OBJECTS_IN_SET,
    });
    return this.sync.guardedSet(
      ctx.userId,
      'ConversationRole',
      parsed.ifInState,
      this.changedFor(ctx.userId),
      (oldState) => this.write(parsed, oldState, ctx),
    );
  }

  private async write(
    parsed: SetArguments,
    oldState: string,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const result = await this.announcer.staged(ctx.userId, async () => {
      const changed: GrantKey[] = [];
      const outcome = await runSet(
        parsed,
        {
          create: async (_creationId, object) => {
            onlyProperties(
              object,
              ['conversationId', 'userId', 'roleId'],
              'not settable on create',
            );
            const key = parseGrantKey(object);
            const grant = await this.grantable(key, ctx.userId);
            const created = await this.grants.create(key, ctx.userId);
            if (!created)
              throw new SetErrorException({ type: 'alreadyExists', existingId: idOf(grant) });
            changed.push(key);
            return { id: idOf(created), serverSet: grantedFields(created) };
          },
          update: async (id, patch) => {
            await this.knownGrant(id, ctx.userId);
            onlyProperties(patch, [], 'a grant cannot be changed: revoke it and grant another');
            return null;
          },
          destroy: async (id) => {
            const key = await this.knownGrant(id, ctx.userId);
            await this.grantable(key, ctx.userId);
            await this.grants.delete(key);
            changed.push(key);
          },
        },
        ctx.createdIds,
      );
      return [outcome, announcements(changed)] as const;
    });
    return {
      response: buildSetResponse({
        accountId: parsed.accountId,
        oldState,
        newState: await this.sync.current(),
        result,
      }),
      createdIds: result.createdIds,
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
