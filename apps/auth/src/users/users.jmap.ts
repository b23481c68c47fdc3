import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { IfInStateGuard, type User } from '@jchat/db';
import { Permissions, RbacSubjects } from '@jchat/contracts';
import {
  BusClient,
  type JmapMethodContext,
  JmapMethodRegistry,
  type JmapMethodOutcome,
} from '@jchat/bus';
import { isUuid, toUtcDate, toUtcDateOrNull } from '@jchat/common';
import {
  buildQueryResponse,
  buildSetResponse,
  encodeState,
  parseGetArguments,
  parseQueryArguments,
  parseSetArguments,
  runSet,
  type SetArguments,
  checkIfInState,
  SetErrorException,
  windowQueryResults,
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
    this.registry.register('User/get', (args, ctx) => this.get(args, ctx));
    this.registry.register('User/query', (args, ctx) => this.query(args, ctx));
    this.registry.register('User/set', (args, ctx) => this.set(args, ctx));
  }

  private async get(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseGetArguments(args, {
      maxObjectsInGet: this.config.JMAP_MAX_OBJECTS_IN_GET,
      knownProperties: OWN_PROPERTIES,
    });
    const ids = parsed.ids ?? [ctx.userId];
    const found = await this.users.findByIds(ids.filter((id) => isUuid(id)));
    const byId = new Map(found.map((u) => [u.id, u]));
    const state = encodeState(await this.users.currentModseq());
    return {
      response: {
        accountId: parsed.accountId,
        state,
        list: ids.flatMap((id) => {
          const user = byId.get(id);
          return user ? [view(user, ctx.userId, parsed.properties)] : [];
        }),
        notFound: ids.filter((id) => !byId.has(id)),
      },
    };
  }

  private async query(
    args: Record<string, unknown>,
    _ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseQueryArguments(args, {
      knownFilterProperties: ['text'],
      knownSortProperties: ['displayName'],
    });
    if (parsed.filter && isFilterOperator(parsed.filter)) {
      throw new JmapMethodError(
        'unsupportedFilter',
        'User/query takes one FilterCondition, not operators',
      );
    }
    const text = parsed.filter?.['text'];
    if (text !== undefined && (typeof text !== 'string' || hasControlCharacters(text))) {
      throw invalidArguments('filter.text must be a String without control characters');
    }
    const ids = (await this.users.searchByPrefix(text ?? '', QUERY_RESULT_CAP)).map((u) => u.id);
    return {
      response: buildQueryResponse({
        accountId: parsed.accountId,
        queryState: encodeState(await this.users.currentModseq()),
        canCalculateChanges: false,
        calculateTotal: parsed.calculateTotal,
        window: windowQueryResults(ids, parsed, MAX_QUERY_LIMIT),
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
    return this.guard.run(ctx.userId, 'User', parsed.ifInState, () => this.write(parsed, ctx));
  }

  /** The /set itself, checking ifInState first (under the guard when there is one). */
  private async write(parsed: SetArguments, ctx: JmapMethodContext): Promise<JmapMethodOutcome> {
    const oldState = encodeState(await this.users.currentModseq());
    checkIfInState(parsed.ifInState, oldState);
    const result = await runSet(
      parsed,
      {
        create: async () => {
          throw new SetErrorException({
            type: 'forbidden',
            description: 'users are created by POST /auth/register',
          });
        },
        update: async (id, patch) => this.update(id, patch, ctx),
        destroy: async () => {
          throw new SetErrorException({
            type: 'forbidden',
            description: 'users are deactivated, not destroyed',
          });
        },
      },
      ctx.createdIds,
    );
    return {
      response: buildSetResponse({
        accountId: parsed.accountId,
        oldState,
        newState: encodeState(await this.users.currentModseq()),
        result,
      }),
      createdIds: result.createdIds,
    };
  }

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

function view(user: User, callerId: string, properties: string[] | null): Record<string, unknown> {
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
    (key) =>
      (user.id === callerId || PUBLIC_PROPERTIES.has(key)) &&
      (!properties || properties.includes(key)),
  );
  return Object.fromEntries(visible.map((key) => [key, full[key]]));
}
