import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { IfInStateGuard, type User } from '@jchat/db';
import { Permissions, RbacSubjects } from '@jchat/contracts';
import { BusClient, type JmapMethodContext, JmapMethodRegistry } from '@jchat/bus';
import { isUuid, toUtcDate, toUtcDateOrNull } from '@jchat/common';
import {
  encodeState,
  exactSync,
  type FilterNode,
  standardMethods,
  SetErrorException,
  updateOnly,
  invalidArguments,
  isFilterOperator,
  JmapMethodError,
} from '@jchat/jmap';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { SessionsService } from '../sessions/sessions.service';
import { displayNameProblem, hasControlCharacters } from '../security/text';
import { UsersRepository } from './users.repository';

const OWN_PROPERTIES = [
  'id',
  'email',
  'displayName',
  'createdAt',
  'lastLoginAt',
  'isActive',
  'authProvider',
  'authProviderId',
] as const;
/** What other users may see of someone. */
const PUBLIC_PROPERTIES: ReadonlySet<string> = new Set(['id', 'displayName', 'isActive']);
const QUERY_RESULT_CAP = 1000;
const MAX_QUERY_LIMIT = 100;

/** JMAP `User/get`, `User/query` and `User/set` (display name; activation by admins). */
@Injectable()
export class UsersJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly bus: BusClient,
    private readonly guard: IfInStateGuard,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerAll(
      standardMethods('User', {
        limits: this.config,
        ...exactSync(this.guard, this.state),
        get: {
          knownProperties: OWN_PROPERTIES,
          defaultIds: (ctx) => [ctx.userId],
          find: (ids) => this.users.findByIds((ids ?? []).filter((id) => isUuid(id))),
          idOf: (user) => user.id,
          toObject: (user, ctx) => view(user, ctx.userId),
        },
        query: {
          knownFilterProperties: ['text'],
          knownSortProperties: ['displayName'],
          maxLimit: MAX_QUERY_LIMIT,
          ids: async (parsed) => {
            const text = textFilter(parsed.filter);
            return (await this.users.searchByPrefix(text, QUERY_RESULT_CAP)).map((user) => user.id);
          },
        },
        set: {
          handlers: (ctx) =>
            updateOnly((id, patch) => this.update(id, patch, ctx), {
              create: 'users are created by POST /auth/register',
              destroy: 'users are deactivated, not destroyed',
            }),
        },
      }),
    );
  }

  private readonly state = async (): Promise<string> =>
    encodeState(await this.users.currentModseq());

  /** Validates the whole patch and checks every permission before writing anything. */
  private async update(
    id: string,
    patch: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<null> {
    const user = isUuid(id) ? await this.users.findById(id) : null;
    if (!user) throw new SetErrorException({ type: 'notFound' });
    const unknown = Object.keys(patch).filter((key) => key !== 'displayName' && key !== 'isActive');
    if (unknown.length > 0) {
      throw new SetErrorException({
        type: 'invalidProperties',
        properties: unknown,
        description: 'read-only properties',
      });
    }
    const change: { displayName?: string; isActive?: boolean } = {};
    if ('displayName' in patch) {
      if (id !== ctx.userId) {
        throw new SetErrorException({ type: 'forbidden', description: 'only your own name' });
      }
      const problem = displayNameProblem(patch['displayName']);
      if (problem) {
        throw new SetErrorException({
          type: 'invalidProperties',
          properties: ['displayName'],
          description: problem,
        });
      }
      change.displayName = (patch['displayName'] as string).trim();
    }
    if ('isActive' in patch) {
      const isActive = patch['isActive'];
      if (typeof isActive !== 'boolean') {
        throw new SetErrorException({ type: 'invalidProperties', properties: ['isActive'] });
      }
      const { permissions } = await this.bus.request(
        RbacSubjects.systemPermissions,
        { userId: ctx.userId },
        { requestId: ctx.requestId },
      );
      if (!permissions.includes(Permissions.usersManage)) {
        throw new SetErrorException({
          type: 'forbidden',
          description: `needs ${Permissions.usersManage}`,
        });
      }
      change.isActive = isActive;
    }
    await this.users.update(id, change);
    if (change.isActive === false) await this.sessions.revokeAllOf(id);
    return null;
  }
}

/** User/query's one FilterCondition: a display-name prefix or a whole email address. */
function textFilter(filter: FilterNode | null): string {
  if (filter && isFilterOperator(filter)) {
    throw new JmapMethodError(
      'unsupportedFilter',
      'User/query takes one FilterCondition, not operators',
    );
  }
  const text = filter?.['text'];
  if (text !== undefined && (typeof text !== 'string' || hasControlCharacters(text))) {
    throw invalidArguments('filter.text must be a String without control characters');
  }
  return text ?? '';
}

/** The user as the caller may see it: every field of their own, the public ones of others. */
function view(user: User, callerId: string): Record<string, unknown> {
  const full: Record<string, unknown> = {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    createdAt: toUtcDate(user.createdAt),
    lastLoginAt: toUtcDateOrNull(user.lastLoginAt),
    isActive: user.isActive,
    authProvider: user.authProvider,
    authProviderId: user.authProviderId,
  };
  const visible = Object.keys(full).filter(
    (key) => user.id === callerId || PUBLIC_PROPERTIES.has(key),
  );
  return Object.fromEntries(visible.map((key) => [key, full[key]]));
}
