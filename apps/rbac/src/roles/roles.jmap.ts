import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid, toUtcDate } from '@jchat/common';
import { type AccessChangedEvent, Permissions } from '@jchat/contracts';
import { JmapMethodRegistry } from '@jchat/bus';
import type { Role } from '@jchat/db';
import {
  applyPatch,
  type Comparator,
  invalidArguments,
  isFilterOperator,
  type FilterNode,
  standardMethods,
  forbidden,
  invalidProperty,
  notFound,
  onlyProperties,
} from '@jchat/jmap';
import { RBAC_CONFIG, type RbacConfig } from '../config';
import { AccessService } from '../permissions/access.service';
import {
  ChangeAnnouncer,
  type RbacStateChange,
  type StagedWrites,
} from '../permissions/change-announcer';
import {
  parsePermissionList,
  requireHolding,
  requirePermission,
} from '../permissions/permission-list';
import { EVERYONE_ROLE } from '../permissions/permissions.repository';
import { SyncStates } from '@jchat/db';
import { RolesRepository } from './roles.repository';

const PROPERTIES = ['id', 'name', 'description', 'permissions', 'isSystem', 'createdAt'] as const;
const MAX_NAME_LENGTH = 100;
const MAX_DESCRIPTION_LENGTH = 2000;
const MAX_QUERY_LIMIT = 500;

type RoleObject = Record<(typeof PROPERTIES)[number], unknown>;

interface Pending {
  access: AccessChangedEvent[];
  state: RbacStateChange[];
}

/** JMAP `Role/get|set|query|changes`: role definitions, readable by everyone, managed with roles.manage. */
@Injectable()
export class RolesJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly roles: RolesRepository,
    private readonly access: AccessService,
    private readonly sync: SyncStates,
    private readonly announcer: ChangeAnnouncer,
    @Inject(RBAC_CONFIG) private readonly config: RbacConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerAll(
      standardMethods('Role', {
        limits: this.config,
        ...this.sync.typeSync(() => (cursor, limit) => this.roles.changedSince(cursor, limit)),
        get: {
          knownProperties: PROPERTIES,
          find: (ids) =>
            ids === null ? this.roles.findAll() : this.roles.findByIds(ids.filter(isUuid)),
          idOf: (role) => role.id,
          toObject: toRoleObject,
        },
        query: {
          knownFilterProperties: ['isSystem', 'text', 'permission'],
          knownSortProperties: ['name', 'createdAt'],
          maxLimit: MAX_QUERY_LIMIT,
          ids: async (parsed) => {
            const roles = (await this.roles.findAll()).filter(roleFilter(parsed.filter));
            return sortRoles(roles, parsed.sort).map((role) => role.id);
          },
        },
        set: this.announcer.stagedSet((callerId) => this.writes(callerId)),
      }),
    );
  }

  private async writes(callerId: string): Promise<StagedWrites> {
    const held = await this.access.systemPermissions(callerId);
    const pending: Pending = { access: [], state: [] };
    return {
      handlers: {
        create: (_creationId, object) => this.create(object, held, callerId, pending),
        update: (id, patch) => this.update(id, patch, held, callerId, pending),
        destroy: (id) => this.destroy(id, held, callerId, pending),
      },
      announcements: () => [pending.access, pending.state],
    };
  }

  private async create(
    object: Record<string, unknown>,
    held: string[],
    callerId: string,
    pending: Pending,
  ): Promise<{ id: string; serverSet: Record<string, unknown> }> {
    onlyProperties(
      object,
      ['name', 'description', 'permissions', 'isSystem'],
      'not settable on create',
    );
    if (object['isSystem'] !== undefined && object['isSystem'] !== false) {
      throw invalidProperty('isSystem', 'system roles are seeded by the server');
    }
    const name = parseName(object['name']);
    const description = parseDescription(object['description'] ?? null);
    const permissions = parsePermissionList(object['permissions'] ?? [], 'permissions');
    requirePermission(held, Permissions.rolesManage);
    requireHolding(permissions, held);
    const role = await this.roles.create({ name, description, permissions });
    if (!role) throw invalidProperty('name', `a role named "${name}" exists`);
    pending.state.push({ conversationId: null, types: ['Role'], extraAccountIds: [callerId] });
    const { id: _id, ...serverSet } = toRoleObject(role);
    return { id: role.id, serverSet };
  }

  private async update(
    id: string,
    patch: Record<string, unknown>,
    held: string[],
    callerId: string,
    pending: Pending,
  ): Promise<null> {
    const role = isUuid(id) ? await this.roles.findById(id) : null;
    if (!role) throw notFound();
    const current = toRoleObject(role);
    const patched = applyPatch(current, patch);
    const changed = PROPERTIES.filter(
      (p) => JSON.stringify(patched[p]) !== JSON.stringify(current[p]),
    );
    const extra = Object.keys(patched).filter(
      (p) => !(PROPERTIES as readonly string[]).includes(p),
    );
    onlyProperties(
      Object.fromEntries([...changed, ...extra].map((p) => [p, true])),
      role.isSystem ? ['description', 'permissions'] : ['name', 'description', 'permissions'],
      role.isSystem ? 'a system role keeps its name' : 'read-only',
    );
    requirePermission(held, Permissions.rolesManage);
    const data: { name?: string; description?: string | null; permissions?: string[] } = {};
    if (changed.includes('name')) data.name = parseName(patched['name']);
    if (changed.includes('description'))
      data.description = parseDescription(patched['description'] ?? null);
    if (changed.includes('permissions')) {
      data.permissions = parsePermissionList(patched['permissions'], 'permissions');
      const before = new Set(role.permissions);
      const after = new Set(data.permissions);
      requireHolding(
        [
          ...data.permissions.filter((p) => !before.has(p)),
          ...role.permissions.filter((p) => !after.has(p)),
        ],
        held,
      );
    }
    if (Object.keys(data).length === 0) return null;
    const updated = await this.roles.update(id, data);
    if (!updated) throw invalidProperty('name', `a role named "${String(data.name)}" exists`);
    if (data.permissions) await this.holdersChanged(role, pending);
    pending.state.push({ conversationId: null, types: ['Role'], extraAccountIds: [callerId] });
    return null;
  }

  private async destroy(
    id: string,
    held: string[],
    callerId: string,
    pending: Pending,
  ): Promise<void> {
    const role = isUuid(id) ? await this.roles.findById(id) : null;
    if (!role) throw notFound();
    if (role.isSystem) throw forbidden('system roles cannot be deleted');
    requirePermission(held, Permissions.rolesManage);
    requireHolding(role.permissions, held);
    const holders = await this.holdersChanged(role, pending);
    await this.roles.delete(id);
    pending.state.push({
      conversationId: null,
      types: ['Role', 'UserRole'],
      extraAccountIds: [callerId, ...holders],
    });
  }

  /** Queues the cache invalidations and pushes for everyone holding the role; returns its holders. */
  private async holdersChanged(role: Role, pending: Pending): Promise<string[]> {
    if (role.isSystem && role.name === EVERYONE_ROLE) {
      pending.access.push({ conversationId: null, userIds: [] });
      return [];
    }
    const holders = await this.roles.holders(role.id);
    if (holders.userIds.length > 0)
      pending.access.push({ conversationId: null, userIds: holders.userIds });
    const byConversation = new Map<string, string[]>();
    for (const grant of holders.grants) {
      byConversation.set(grant.conversationId, [
        ...(byConversation.get(grant.conversationId) ?? []),
        grant.userId,
      ]);
    }
    for (const [conversationId, userIds] of byConversation) {
      pending.access.push({ conversationId, userIds });
      pending.state.push({ conversationId, types: ['ConversationRole'], extraAccountIds: [] });
    }
    return holders.userIds;
  }
}

function toRoleObject(role: Role): RoleObject {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    permissions: [...role.permissions].sort(),
    isSystem: role.isSystem,
    createdAt: toUtcDate(role.createdAt),
  };
}

/** By the comparators asked (by name when none), then by id. */
function sortRoles(roles: Role[], sort: readonly Comparator[]): Role[] {
  const comparators = sort.length > 0 ? sort : [{ property: 'name', isAscending: true }];
  return roles.sort((a, b) => {
    for (const { property, isAscending } of comparators) {
      const order =
        property === 'createdAt'
          ? a.createdAt.getTime() - b.createdAt.getTime()
          : a.name.localeCompare(b.name);
      if (order !== 0) return isAscending ? order : -order;
    }
    return a.id < b.id ? -1 : 1;
  });
}

function parseName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
    throw invalidProperty('name', `must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return name;
}

function parseDescription(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION_LENGTH) {
    throw invalidProperty(
      'description',
      `must be null or at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  }
  return value;
}

function roleFilter(filter: FilterNode | null): (role: Role) => boolean {
  if (filter === null) return () => true;
  if (isFilterOperator(filter)) {
    const conditions = filter.conditions.map(roleFilter);
    switch (filter.operator) {
      case 'AND':
        return (role) => conditions.every((matches) => matches(role));
      case 'OR':
        return (role) => conditions.some((matches) => matches(role));
      case 'NOT':
        return (role) => !conditions.some((matches) => matches(role));
    }
  }
  const tests: ((role: Role) => boolean)[] = [];
  for (const [property, value] of Object.entries(filter)) {
    if (property === 'isSystem') {
      if (typeof value !== 'boolean') throw invalidArguments('filter.isSystem must be a boolean');
      tests.push((role) => role.isSystem === value);
    } else if (property === 'text') {
      if (typeof value !== 'string') throw invalidArguments('filter.text must be a string');
      const text = value.toLowerCase();
      tests.push(
        (role) =>
          role.name.toLowerCase().includes(text) ||
          (role.description ?? '').toLowerCase().includes(text),
      );
    } else {
      if (typeof value !== 'string') throw invalidArguments('filter.permission must be a string');
      tests.push((role) => role.permissions.includes(value));
    }
  }
  return (role) => tests.every((matches) => matches(role));
}
