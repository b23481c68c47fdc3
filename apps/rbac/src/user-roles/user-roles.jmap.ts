import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { Permissions } from '@jchat/contracts';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import type { UserRole } from '@jchat/db';
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
import { parseUserRoleId, userRoleId } from '../grants/grant-ids';
import { grantedFields, pickProperties } from '../grants/grant-object';
import { AccessService } from '../permissions/access.service';
import { type Announcements, ChangeAnnouncer } from '../permissions/change-announcer';
import { requireHolding, requirePermission } from '../permissions/permission-list';
import { type ChangesSource, SyncStates } from '@jchat/db';
import { UserRolesRepository } from './user-roles.repository';

const PROPERTIES = ['id', 'userId', 'roleId', 'grantedBy', 'grantedAt'] as const;
const MAX_QUERY_LIMIT = 500;

/**
 * JMAP `UserRole/get|set|query|changes`: system-wide role grants. Everyone may read them (who
 * administers the server is no secret); granting and revoking needs roles.manage and every
 * permission of the role.
 */
@Injectable()
export class UserRolesJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly grants: UserRolesRepository,
    private readonly access: AccessService,
    private readonly sync: SyncStates,
    private readonly announcer: ChangeAnnouncer,
    @Inject(RBAC_CONFIG) private readonly config: RbacConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register('UserRole/get', (args) => this.get(args));
    this.registry.register('UserRole/changes', async (args) => ({
      response: await this.sync.changes(args, this.changed),
    }));
    this.registry.register('UserRole/query', (args) => this.query(args));
    this.registry.register('UserRole/set', (args, ctx) => this.set(args, ctx));
  }

  private readonly changed: ChangesSource = (cursor, limit) =>
    this.grants.changedSince(cursor, limit);

  private async get(args: Record<string, unknown>): Promise<JmapMethodOutcome> {
    const parsed = parseGetArguments(args, {
      maxObjectsInGet: this.config.JMAP_MAX_OBJECTS_IN_GET,
      knownProperties: PROPERTIES,
    });
    const state = await this.sync.current();
    const found =
      parsed.ids === null
        ? await this.grants.findAll()
        : await this.grants.findMany(parsed.ids.flatMap((id) => parseUserRoleId(id) ?? []));
    const byId = new Map(found.map((grant) => [userRoleId(grant.userId, grant.roleId), grant]));
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

  private async query(args: Record<string, unknown>): Promise<JmapMethodOutcome> {
    const parsed = parseQueryArguments(args, {
      knownFilterProperties: ['userId', 'roleId'],
      knownSortProperties: ['grantedAt'],
    });
    const queryState = await this.sync.current();
    const matches = idEqualityFilter(parsed.filter);
    const objects = sortByGrantedAt(
      (await this.grants.findAll()).map(toObject).filter(matches),
      parsed.sort,
    );
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
      'UserRole',
      parsed.ifInState,
      this.changed,
      (oldState) => this.write(parsed, oldState, ctx),
    );
  }

  private async write(
    parsed: SetArguments,
    oldState: string,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const held = await this.access.systemPermissions(ctx.userId);
    const result = await this.announcer.staged(ctx.userId, async () => {
      const changedUsers: string[] = [];
      const outcome = await runSet(
        parsed,
        {
          create: async (_creationId, object) => {
            onlyProperties(object, ['userId', 'roleId'], 'not settable on create');
            const { userId, roleId } = object;
            if (
              typeof userId !== 'string' ||
              !isUuid(userId) ||
              !(await this.grants.userExists(userId))
            ) {
              throw invalidProperty('userId', 'no such user');
            }
            const role =
              typeof roleId === 'string' && isUuid(roleId) ? await this.grants.role(roleId) : null;
            if (!role) throw invalidProperty('roleId', 'no such role');
            requireGrantor(held, role.permissions);
            const grant = await this.grants.create(userId, role.id, ctx.userId);
            if (!grant) {
              throw new SetErrorException({
                type: 'alreadyExists',
                existingId: userRoleId(userId, role.id),
              });
            }
            changedUsers.push(userId);
            const { id, ...serverSet } = toObject(grant);
            return {
              id: String(id),
              serverSet: { grantedBy: serverSet['grantedBy'], grantedAt: serverSet['grantedAt'] },
            };
          },
          update: async (id, patch) => {
            const key = parseUserRoleId(id);
            if (!key || !(await this.grants.find(key.userId, key.roleId))) throw notFound();
            onlyProperties(patch, [], 'a grant cannot be changed: revoke it and grant another');
            return null;
          },
          destroy: async (id) => {
            const key = parseUserRoleId(id);
            const role =
              key && (await this.grants.find(key.userId, key.roleId))
                ? await this.grants.role(key.roleId)
                : null;
            if (!key || !role) throw notFound();
            requireGrantor(held, role.permissions);
            await this.grants.delete(key.userId, key.roleId);
            changedUsers.push(key.userId);
          },
        },
        ctx.createdIds,
      );
      const announcements: Announcements =
        changedUsers.length === 0
          ? [[], []]
          : [
              [{ conversationId: null, userIds: changedUsers }],
              [
                {
                  conversationId: null,
                  types: ['UserRole'],
                  extraAccountIds: [...new Set([ctx.userId, ...changedUsers])],
                },
              ],
            ];
      return [outcome, announcements];
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
}

function toObject(grant: UserRole): Record<string, unknown> {
  return {
    id: userRoleId(grant.userId, grant.roleId),
    userId: grant.userId,
    roleId: grant.roleId,
    ...grantedFields(grant),
  };
}

/** Granting or revoking needs roles.manage and every permission of the role. */
function requireGrantor(held: readonly string[], rolePermissions: readonly string[]): void {
  requirePermission(held, Permissions.rolesManage);
  requireHolding(rolePermissions, held);
}
