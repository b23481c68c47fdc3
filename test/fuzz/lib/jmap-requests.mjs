// JMAP Request objects (RFC 8620 §3.3) for the fuzzer: each method call is built plausible from
// the catalog and the caller's context (its own ids, other users' ids, real states), then broken
// by a few mutations: an argument of the wrong type or value, a missing or unknown argument, a
// hostile property in a create or patch, a hostile filter or sort, a broken result reference...
import { CHAT, CORE, METHODS, TYPES, UNKNOWN_METHODS } from './jmap-catalog.mjs';
import {
  anyId,
  bigArray,
  hostileKey,
  hostileValue,
  objectOf,
  RawJson,
  strangeString,
} from './values.mjs';

const ARGUMENTS = {
  get: { accountId: 'id', ids: 'ids', properties: 'ids' },
  set: { accountId: 'id', ifInState: 'string', create: 'object', update: 'object', destroy: 'ids' },
  changes: { accountId: 'id', sinceState: 'string', maxChanges: 'int' },
  query: {
    accountId: 'id',
    filter: 'object',
    sort: 'object',
    position: 'int',
    anchor: 'id',
    anchorOffset: 'int',
    limit: 'int',
    calculateTotal: 'bool',
  },
  queryChanges: {
    accountId: 'id',
    filter: 'object',
    sort: 'object',
    sinceQueryState: 'string',
    maxChanges: 'int',
    upToId: 'id',
    calculateTotal: 'bool',
  },
  snippet: { accountId: 'id', filter: 'object', messageIds: 'ids' },
  echo: { hello: 'any', nested: 'object' },
};

function argumentKinds(name) {
  if (name === 'SearchSnippet/get') return ARGUMENTS.snippet;
  if (name === 'Core/echo') return ARGUMENTS.echo;
  const method = name.split('/')[1];
  const kinds = ARGUMENTS[method] ?? {};
  return name === 'Message/set' ? { ...kinds, markRead: 'ids' } : kinds;
}

function subset(rng, list, max) {
  if (list.length === 0) return [];
  const out = [];
  const count = rng.int(1, Math.min(max, list.length));
  for (let i = 0; i < count; i++) out.push(rng.pick(list));
  return [...new Set(out)];
}

function idsOf(rng, ctx, pool, max = 4) {
  const own = ctx.pools[pool] ?? [];
  return Array.from({ length: rng.int(1, max) }, () =>
    own.length > 0 && rng.chance(0.8) ? rng.pick(own) : anyId(rng, ctx),
  );
}

/** Ids to destroy: mostly others', unknown or creation references; rarely one's own. */
function destroyIds(rng, ctx, pool) {
  return Array.from({ length: rng.int(1, 3) }, () => {
    const foreign = ctx.foreignPools[pool] ?? [];
    const r = rng.next();
    if (r < 0.5 && foreign.length > 0) return rng.pick(foreign);
    if (r < 0.7) return rng.uuid();
    if (r < 0.9) return `#c${rng.int(0, 2)}`;
    if (r < 0.97) return anyId(rng, ctx);
    return rng.pick(ctx.pools[pool] ?? [rng.uuid()]);
  });
}

function plausibleObject(rng, ctx, props, required = []) {
  const names = Object.keys(props);
  const chosen = new Set([...required.filter((n) => names.includes(n)), ...subset(rng, names, 4)]);
  const object = {};
  for (const name of chosen) object[name] = props[name].plausible(rng, ctx);
  return object;
}

function patchFor(rng, ctx, spec) {
  const patch = {};
  for (const key of subset(rng, Object.keys(spec.update), 2)) {
    const name = key.replace('SELF', ctx.me.id).replace('OTHER', ctx.otherUserId);
    patch[name] = spec.update[key].plausible(rng, ctx);
  }
  return patch;
}

function filterCondition(rng, ctx, spec) {
  const condition = {};
  for (const name of subset(rng, Object.keys(spec?.filter ?? {}), 2)) {
    condition[name] = spec.filter[name].plausible(rng, ctx);
  }
  return condition;
}

/** A plausible argument object for `name` as the context's user. */
export function plausibleArguments(rng, ctx, name) {
  const [type, method] = name.split('/');
  const spec = Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
  const accountId = ctx.me.id;
  if (name === 'Core/echo') return { hello: strangeString(rng, ctx), n: rng.int(0, 9) };
  if (!spec) return { accountId, ids: null };
  if (name === 'SearchSnippet/get') {
    return {
      accountId,
      filter: { text: rng.pick(['hello', 'fuzz', 'canary', 'secret']) },
      messageIds: idsOf(rng, ctx, 'message'),
    };
  }
  switch (method) {
    case 'get': {
      const args = { accountId, ids: rng.chance(0.25) ? null : idsOf(rng, ctx, spec.pool) };
      if (rng.chance(0.4)) args.properties = subset(rng, spec.properties, 5);
      return args;
    }
    case 'set':
      return setArguments(rng, ctx, type, spec);
    case 'changes': {
      const args = { accountId, sinceState: ctx.states[type] ?? '0' };
      if (rng.chance(0.5)) args.maxChanges = rng.int(1, 50);
      return args;
    }
    case 'query': {
      const args = { accountId };
      if (rng.chance(0.7)) args.filter = filterCondition(rng, ctx, spec);
      if (rng.chance(0.4))
        args.sort = [{ property: rng.pick(spec.sorts), isAscending: rng.chance(0.5) }];
      if (rng.chance(0.3)) args.position = rng.int(0, 5);
      if (rng.chance(0.15)) args.anchor = rng.pick(ctx.pools[spec.pool] ?? [rng.uuid()]);
      if (rng.chance(0.4)) args.limit = rng.int(0, 50);
      if (rng.chance(0.3)) args.calculateTotal = rng.chance(0.5);
      return args;
    }
    case 'queryChanges': {
      const args = { accountId, sinceQueryState: ctx.states[type] ?? '0' };
      if (rng.chance(0.6)) args.filter = filterCondition(rng, ctx, spec);
      if (rng.chance(0.3)) args.sort = [{ property: rng.pick(spec.sorts), isAscending: true }];
      if (rng.chance(0.3)) args.maxChanges = rng.int(0, 20);
      if (rng.chance(0.2)) args.upToId = rng.pick(ctx.pools[spec.pool] ?? [rng.uuid()]);
      if (rng.chance(0.3)) args.calculateTotal = true;
      return args;
    }
    default:
      return { accountId };
  }
}

function setArguments(rng, ctx, type, spec) {
  const args = { accountId: ctx.me.id };
  const ops = rng.weighted({ create: 4, update: 4, destroy: 2, mixed: 2 });
  if (ops === 'create' || ops === 'mixed') {
    args.create = {};
    for (let i = 0; i < rng.int(1, 2); i++) {
      args.create[`c${i}`] = plausibleObject(rng, ctx, spec.create ?? {}, spec.required);
    }
  }
  if (ops === 'update' || ops === 'mixed') {
    const target =
      spec.updateSelf || (type === 'User' && rng.chance(0.6))
        ? rng.chance(0.85)
          ? ctx.me.id
          : anyId(rng, ctx)
        : rng.pick(idsOf(rng, ctx, spec.pool, 1));
    args.update = { [target]: patchFor(rng, ctx, spec) };
  }
  if (ops === 'destroy' || ops === 'mixed') args.destroy = destroyIds(rng, ctx, spec.pool);
  if (rng.chance(0.1))
    args.ifInState = rng.chance(0.5) ? (ctx.states[type] ?? 'x') : strangeString(rng, ctx);
  if (type === 'Message' && rng.chance(0.15)) args.markRead = idsOf(rng, ctx, 'message', 2);
  return args;
}

/** A hostile filter: deep or wide operator trees, wrong shapes, unknown or hostile conditions. */
export function hostileFilter(rng, ctx, spec, depth = 0) {
  const r = rng.next();
  if (depth > 22 || r < 0.35) {
    const condition = filterCondition(rng, ctx, spec);
    const names = Object.keys(spec?.filter ?? {});
    if (rng.chance(0.6) && names.length > 0) {
      const name = rng.pick(names);
      condition[name] = hostileValue(rng, ctx, spec.filter[name].hint);
    } else if (rng.chance(0.5)) {
      condition[hostileKey(rng)] = hostileValue(rng, ctx);
    }
    return condition;
  }
  if (r < 0.45) return hostileValue(rng, ctx);
  const operator = rng.chance(0.85)
    ? rng.pick(['AND', 'OR', 'NOT'])
    : rng.pick(['XOR', 'and', '', null, 1, ['AND']]);
  const width = rng.chance(0.9) ? rng.int(0, 3) : rng.pick([50, 500]);
  const conditions = rng.chance(0.9)
    ? Array.from({ length: width }, () =>
        width > 3 ? filterCondition(rng, ctx, spec) : hostileFilter(rng, ctx, spec, depth + 1),
      )
    : hostileValue(rng, ctx);
  const node = { operator, conditions };
  if (rng.chance(0.05)) node[rng.pick(['text', 'extra', '__proto__'])] = 'x';
  return rng.chance(0.03)
    ? objectOf([
        ['operator', operator],
        ['conditions', conditions],
      ])
    : node;
}

/** A deep chain of NOTs: deeper than the server's filter limit (16). */
function deepFilter(rng, ctx, spec) {
  let node = filterCondition(rng, ctx, spec);
  for (let i = 0, depth = rng.pick([15, 16, 17, 30, 60]); i < depth; i++) {
    node = { operator: rng.pick(['NOT', 'AND', 'OR']), conditions: [node] };
  }
  return node;
}

function hostileSort(rng, ctx, spec) {
  return rng.pick([
    () => [
      { property: rng.pick(spec?.sorts ?? ['x']), isAscending: hostileValue(rng, ctx, 'bool') },
    ],
    () => [{ property: hostileValue(rng, ctx, 'string') }],
    () => [{ property: rng.pick(spec?.sorts ?? ['x']), collation: strangeString(rng, ctx) }],
    () => [{ property: rng.pick(spec?.sorts ?? ['x']), collation: 'i;unicode-casemap' }],
    () => [{ property: 'id', isAscending: false, extra: 1 }],
    () =>
      Array.from({ length: rng.pick([2, 20, 500]) }, () => ({
        property: rng.pick(spec?.sorts ?? ['x']),
      })),
    () => hostileValue(rng, ctx),
    () => [null],
    () => ({ property: 'sentAt' }),
  ])();
}

/** A ResultReference that cannot be resolved, or resolves to something unexpected. */
export function brokenReference(rng, ctx, callIds, names) {
  const resultOf = rng.pick([
    ...callIds,
    'nope',
    '',
    rng.pick(callIds.length > 0 ? callIds : ['c0']),
    '\ud800',
  ]);
  const name =
    rng.chance(0.7) && names.length > 0 ? rng.pick(names) : rng.pick(['Foo/get', '', 'error']);
  const path = rng.pick([
    '/ids',
    '/list/*/id',
    '/created',
    '/ids/0',
    '/ids/-1',
    '/ids/99999999999999999999',
    '/ids/01',
    '/list/*/*/*/*',
    '/*',
    '',
    'ids',
    '/~2',
    '/~',
    '/a~1b',
    '/accountId',
    '/list/0/nope',
    '/' + 'x/'.repeat(200),
    '/\u0000',
  ]);
  if (rng.chance(0.1)) return hostileValue(rng, ctx);
  if (rng.chance(0.1)) return { resultOf, name, path: hostileValue(rng, ctx) };
  return { resultOf, name, path };
}

/** A plain JSON object (a RawJson fragment is not one: it is written as its text). */
const isObject = (value) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof RawJson);

const MUTATIONS = {
  argValue: 10,
  dropArg: 3,
  unknownArg: 3,
  accountId: 3,
  createProp: 6,
  createMissing: 2,
  createShape: 2,
  patchValue: 6,
  patchKey: 4,
  updateId: 2,
  filter: 5,
  deepFilter: 1,
  sort: 3,
  ref: 4,
  bigIds: 0.5,
};

/** Breaks one thing in `args` (in place); returns the mutation's name. */
export function mutate(rng, ctx, name, args, context) {
  const [type] = name.split('/');
  const spec = Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
  const kinds = argumentKinds(name);
  const kind = rng.weighted(MUTATIONS);
  switch (kind) {
    case 'argValue': {
      const arg = rng.pick(Object.keys(kinds).length > 0 ? Object.keys(kinds) : ['x']);
      args[arg] = hostileValue(rng, ctx, kinds[arg] ?? 'any');
      return `argValue:${arg}`;
    }
    case 'dropArg': {
      const keys = Object.keys(args);
      if (keys.length === 0) return 'dropArg:none';
      const arg = rng.pick(keys);
      delete args[arg];
      return `dropArg:${arg}`;
    }
    case 'unknownArg': {
      const key = hostileKey(rng);
      Object.defineProperty(args, key, {
        value: hostileValue(rng, ctx),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return 'unknownArg';
    }
    case 'accountId':
      args.accountId = rng.chance(0.6) ? ctx.otherUserId : hostileValue(rng, ctx, 'id');
      return 'accountId';
    case 'createProp':
    case 'createMissing':
    case 'createShape': {
      if (Object.keys(spec?.create ?? {}).length === 0)
        return mutate(rng, ctx, name, args, context);
      if (!isObject(args.create))
        args.create = { c0: plausibleObject(rng, ctx, spec.create, spec.required) };
      const key = rng.pick(Object.keys(args.create).length ? Object.keys(args.create) : ['c0']);
      if (!isObject(args.create[key])) args.create[key] = {};
      const object = args.create[key];
      if (kind === 'createMissing') {
        delete object[rng.pick(spec.required ?? ['x'])];
      } else if (kind === 'createShape') {
        args.create[rng.pick([key, '', '#c0', 'x'.repeat(300), '__proto__', '\ud800'])] =
          hostileValue(rng, ctx);
      } else if (rng.chance(0.8)) {
        const prop = rng.pick(Object.keys(spec.create));
        object[prop] = hostileValue(rng, ctx, spec.create[prop].hint);
      } else {
        const prop = rng.pick([
          ...Object.keys(spec.properties ?? {}),
          ...(spec.properties ?? []),
          hostileKey(rng),
        ]);
        Object.defineProperty(object, prop, {
          value: hostileValue(rng, ctx),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return `${kind}`;
    }
    case 'patchValue':
    case 'patchKey':
    case 'updateId': {
      if (Object.keys(spec?.update ?? {}).length === 0)
        return mutate(rng, ctx, name, args, context);
      if (!isObject(args.update)) {
        args.update = { [rng.pick(ctx.pools[spec.pool] ?? [ctx.me.id])]: patchFor(rng, ctx, spec) };
      }
      const id = rng.pick(Object.keys(args.update).length ? Object.keys(args.update) : [ctx.me.id]);
      if (!isObject(args.update[id])) args.update[id] = {};
      const patch = args.update[id];
      if (kind === 'updateId') {
        args.update[strangeString(rng, ctx)] = rng.chance(0.5) ? patch : hostileValue(rng, ctx);
      } else if (kind === 'patchValue') {
        const prop = rng.pick(Object.keys(spec.update));
        const key = prop.replace('SELF', ctx.me.id).replace('OTHER', ctx.otherUserId);
        patch[key] = hostileValue(rng, ctx, spec.update[prop].hint);
      } else {
        const key = rng.pick([
          hostileKey(rng),
          'reactions',
          `reactions/${rng.pick(['👍', '', '~1', '\ud800', 'x'.repeat(500)])}/${ctx.me.id}`,
          `reactions/👍/${ctx.otherUserId}`,
          'metadata/__proto__/polluted',
          '__proto__/isAdmin',
          'constructor/prototype/isAdmin',
          'settings/a/b/c/d/e',
          'title/0',
          'id',
          'createdBy',
          'senderId',
          'participantIds/0',
          'a/b',
          '/title',
          'title/',
          'permissions/0',
        ]);
        Object.defineProperty(patch, key, {
          value: hostileValue(rng, ctx),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return kind;
    }
    case 'filter':
      args.filter = hostileFilter(rng, ctx, spec);
      return 'filter';
    case 'deepFilter':
      args.filter = deepFilter(rng, ctx, spec);
      return 'deepFilter';
    case 'sort':
      args.sort = hostileSort(rng, ctx, spec);
      return 'sort';
    case 'ref': {
      const arg = rng.pick(Object.keys(kinds).length ? Object.keys(kinds) : ['ids']);
      const reference = brokenReference(rng, ctx, context.callIds, context.names);
      if (rng.chance(0.2)) {
        args[`#${arg}`] = reference; // given both directly and by reference
      } else {
        delete args[arg];
        args[`#${arg}`] = reference;
      }
      return `ref:${arg}`;
    }
    case 'bigIds': {
      const arg = rng.pick(['ids', 'destroy', 'messageIds', 'properties', 'markRead']);
      args[arg] = bigArray(rng, ctx, rng.pick([1001, 5000]));
      return `bigIds:${arg}`;
    }
    default:
      return 'none';
  }
}

/** One method call, plausible then mutated `count` times. */
function methodCall(rng, ctx, name, callId, context, count) {
  const args = plausibleArguments(rng, ctx, name);
  const mutations = [];
  for (let i = 0; i < count; i++) mutations.push(mutate(rng, ctx, name, args, context));
  return { call: [name, args, callId], mutations };
}

function pickMethod(rng) {
  return rng.chance(0.05) ? rng.pick(UNKNOWN_METHODS) : rng.pick(METHODS);
}

function mutationCount(rng) {
  return rng.weighted({ 0: 2.5, 1: 4.5, 2: 2, 3: 1 }) | 0;
}

/** Query → get / changes → get / set → get chains, with the references sometimes broken. */
function chain(rng, ctx) {
  const type = rng.pick([
    'Conversation',
    'Message',
    'Participant',
    'Role',
    'UserRole',
    'ConversationRole',
  ]);
  const spec = Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
  const first = rng.pick(spec.methods.filter((m) => m !== 'get'));
  const firstName = `${type}/${first}`;
  const firstArgs = plausibleArguments(rng, ctx, firstName);
  const path =
    { query: '/ids', changes: rng.pick(['/created', '/updated']), set: '/created/c0/id' }[first] ??
    '/ids';
  const reference = { resultOf: 'c0', name: firstName, path };
  const calls = [[firstName, firstArgs, 'c0']];
  const getArgs = { accountId: ctx.me.id, '#ids': reference };
  if (first === 'set')
    getArgs['#ids'] = {
      ...reference,
      path: rng.pick(['/created/c0/id', '/updated', '/destroyed']),
    };
  calls.push([`${type}/get`, getArgs, 'c1']);
  const mutations = [];
  if (rng.chance(0.6)) {
    const context = { callIds: ['c0', 'c1', 'c2'], names: [firstName, `${type}/get`] };
    const target = rng.pick(calls);
    mutations.push(mutate(rng, ctx, target[0], target[1], context));
    if (rng.chance(0.5))
      target[1]['#ids'] = brokenReference(rng, ctx, context.callIds, context.names);
  }
  return { calls, mutations: ['chain', ...mutations] };
}

/**
 * Core/echo calls, each referring twice to the whole previous response: the result doubles with
 * every call, so the last would be 2^n times the first if references were copied blindly.
 */
function amplify(rng, ctx) {
  const count = rng.pick([8, 20, 40, 63]);
  const seed = rng.chance(0.5)
    ? { pad: 'x'.repeat(rng.pick([10, 1000, 100_000])) }
    : { list: [1, 2, 3] };
  const calls = [['Core/echo', seed, 'e0']];
  const whole = rng.chance(0.8); // else some references take the list path, which fails on objects
  for (let i = 1; i < count; i++) {
    const ref = {
      resultOf: `e${i - 1}`,
      name: 'Core/echo',
      path: whole || rng.chance(0.8) ? '' : '/*',
    };
    calls.push(['Core/echo', { '#a': ref, '#b': ref }, `e${i}`]);
  }
  if (rng.chance(0.5)) {
    // then hand the huge value to a service
    const ref = { resultOf: `e${count - 1}`, name: 'Core/echo', path: '' };
    calls.push(['Message/query', { accountId: ctx.me.id, '#filter': ref }, 'q']);
  }
  return { calls, mutations: [`amplify:${count}`] };
}

/** A method-call list: one or a few calls, a chain with references, echoes, or too many. */
export function methodCalls(rng, ctx) {
  const shape = rng.weighted({ single: 50, few: 26, chain: 12, echo: 5, amplify: 0.25, many: 0.8 });
  switch (shape) {
    case 'single':
    case 'few': {
      const count = shape === 'single' ? 1 : rng.int(2, 4);
      const calls = [];
      const mutations = [];
      for (let i = 0; i < count; i++) {
        const context = {
          callIds: calls.map((c) => c[2]).concat([`c${i}`, `c${i + 1}`]),
          names: calls.map((c) => c[0]),
        };
        const built = methodCall(rng, ctx, pickMethod(rng), `c${i}`, context, mutationCount(rng));
        calls.push(built.call);
        mutations.push(...built.mutations);
      }
      return { calls, mutations };
    }
    case 'chain':
      return chain(rng, ctx);
    case 'echo':
      return {
        calls: [
          [
            'Core/echo',
            objectOf([
              [hostileKey(rng), hostileValue(rng, ctx)],
              ['v', hostileValue(rng, ctx)],
            ]),
            'e',
          ],
        ],
        mutations: ['echo'],
      };
    case 'amplify':
      return amplify(rng, ctx);
    default: {
      const count = rng.pick([64, 65, 200]);
      const calls = Array.from({ length: count }, (_, i) => ['Core/echo', { i }, `m${i}`]);
      return { calls, mutations: [`many:${count}`] };
    }
  }
}

function hostileUsing(rng, ctx) {
  return rng.pick([
    () => [CORE],
    () => [CHAT],
    () => [],
    () => [CORE, CHAT, 'urn:ietf:params:jmap:mail'],
    () => [CORE, CHAT, CORE, CHAT],
    () => [CORE, 1],
    () => CORE,
    () => null,
    () => hostileValue(rng, ctx),
    () => [CORE, CHAT, strangeString(rng, ctx)],
    () => Array.from({ length: rng.chance(0.1) ? 5000 : 50 }, () => CORE),
  ])();
}

/** A whole Request object (with the fuzz bookkeeping beside it). */
export function jmapRequest(rng, ctx) {
  const { calls, mutations } = methodCalls(rng, ctx);
  const request = { using: [CORE, CHAT], methodCalls: calls };
  if (rng.chance(0.06)) {
    request.using = hostileUsing(rng, ctx);
    mutations.push('using');
  }
  if (rng.chance(0.04)) {
    const call = rng.pick(calls);
    call[2] = hostileValue(rng, ctx, 'string');
    mutations.push('callId');
  }
  if (rng.chance(0.03)) {
    const call = rng.pick(calls);
    const broken = rng.pick([
      () => [call[0], call[1]],
      () => [...call, 'extra'],
      () => [call[1], call[0], call[2]],
      () => [call[0], hostileValue(rng, ctx), call[2]],
      () => ({ name: call[0] }),
      () => hostileValue(rng, ctx),
    ])();
    calls[calls.indexOf(call)] = broken;
    mutations.push('invocationShape');
  }
  if (rng.chance(0.04)) {
    // A creation id the client claims maps to someone else's object, then used as "#x0".
    const foreign = Object.values(ctx.foreignPools).flat();
    const claimed = rng.chance(0.7) && foreign.length > 0 ? rng.pick(foreign) : anyId(rng, ctx);
    request.createdIds = rng.chance(0.8)
      ? objectOf([
          ['x0', claimed],
          [hostileKey(rng), anyId(rng, ctx)],
        ])
      : hostileValue(rng, ctx);
    const [, args] = Array.isArray(calls[0]) ? calls[0] : [];
    if (isObject(args)) {
      const arg = rng.pick(['ids', 'destroy', 'messageIds', 'markRead']);
      args[arg] = ['#x0'];
      if (isObject(args.update)) args.update['#x0'] = { title: 'mine now', body: 'mine now' };
      if (isObject(args.create)) {
        for (const object of Object.values(args.create)) {
          if (isObject(object) && 'conversationId' in object) object.conversationId = '#x0';
        }
      }
    }
    mutations.push('createdIds');
  }
  if (rng.chance(0.02)) {
    request[hostileKey(rng)] = hostileValue(rng, ctx);
    mutations.push('requestKey');
  }
  if (rng.chance(0.02)) {
    request.methodCalls = hostileValue(rng, ctx);
    mutations.push('methodCalls');
  }
  return { request, mutations, methods: calls.map((c) => (Array.isArray(c) ? c[0] : '?')) };
}

export { RawJson };
