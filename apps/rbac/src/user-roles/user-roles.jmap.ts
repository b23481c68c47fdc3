import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { Permissions } from '@jchat/contracts';
import { JmapMethodRegistry } from '@jchat/bus';
import type { UserRole } from '@jchat/db';
import {
  standardMethods,
  SetErrorException,
  invalidProperty,
  notFound,
  onlyProperties,
} from '@jchat/jmap';
import { RBAC_CONFIG, type RbacConfig } from '../config';
import { grantIds } from '../grants/grant-filter';
import { parseUserRoleId, userRoleId } from '../grants/grant-ids';
import { grantedFields } from '../grants/grant-object';
import { AccessService } from '../permissions/access.service';
import { ChangeAnnouncer, type StagedWrites } from '../permissions/change-announcer';
import { requireHolding, requirePermission } from '../permissions/permission-list';
import { SyncStates } from '@jchat/db';
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
    this.registry.registerAll(
      standardMethods('UserRole', {
        limits: this.config,
        ...this.sync.typeSync(() => (cursor, limit) => this.grants.changedSince(cursor, limit)),
        get: {
          knownProperties: PROPERTIES,
          find: (ids) =>
            ids === null
              ? this.grants.findAll()
              : this.grants.findMany(ids.flatMap((id) => parseUserRoleId(id) ?? [])),
          idOf: (grant) => userRoleId(grant.userId, grant.roleId),
          toObject,
        },
        query: {
          knownFilterProperties: ['userId', 'roleId'],
          knownSortProperties: ['grantedAt'],
          maxLimit: MAX_QUERY_LIMIT,
          ids: async (parsed) => {
            const objects = (await this.grants.findAll()).map(toObject);
            return grantIds(objects, parsed.filter, parsed.sort);
          },
        },
        set: this.announcer.stagedSet((callerId) => this.writes(callerId)),
      }),
    );
  }

  private async writes(callerId: string): Promise<StagedWrites> {
    const held = await this.access.systemPermissions(callerId);
    const changedUsers: string[] = [];
    return {
      handlers: {
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
          const grant = await this.grants.create(userId, role.id, callerId);
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
      announcements: () =>
        changedUsers.length === 0
          ? [[], []]
          : [
              [{ conversationId: null, userIds: changedUsers }],
              [
                {
                  conversationId: null,
                  types: ['UserRole'],
                  extraAccountIds: [...new Set([callerId, ...changedUsers])],
                },
              ],
            ],
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
