// Hostile JSON values: wrong types, edge numbers, long and strange strings (control characters,
// NUL, lone UTF-16 surrogates, injection strings), big arrays, objects with many or dangerous
// keys, deep nesting, and raw JSON fragments that no JSON.stringify would write.

/** JSON text written as is by `toJson` (numbers like 1e400, -0, deep nesting, ...). */
export class RawJson {
  constructor(text) {
    this.text = text;
    Object.freeze(this); // a mutation meant for an object must not change what is sent
  }
}

/**
 * JSON text of a value that may hold RawJson fragments. Strings go through JSON.stringify, which
 * writes a lone surrogate as its escape ("\ud800"): exactly what a hostile client would send.
 */
export function toJson(value) {
  const raws = [];
  const text = JSON.stringify(value, (_key, item) =>
    item instanceof RawJson ? `\u0000raw${raws.push(item.text) - 1}\u0000` : item,
  );
  if (text === undefined) return 'null';
  return raws.length === 0 ? text : text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_, i) => raws[i]);
}

/** An object that may hold keys like "__proto__" as own properties (as JSON.parse makes them). */
export function objectOf(entries) {
  const object = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

export const EDGE_NUMBERS = [
  0,
  -1,
  1,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER * 1000,
];

export const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '1E+2',
  '123456789012345678901234567890',
  '0.0',
];

export const STRANGE_STRINGS = [
  '',
  ' ',
  'a',
  '\t',
  '\r\n',
  '\u0000',
  'a\u0000b',
  '\u0001\u0002\u001f\u007f',
  '\u0085\u2028\u2029',
  '\ud800',
  '\udfff',
  'a\ud800b',
  '\udc00\ud800',
  '\ud83d',
  '😀',
  '👍🏽',
  'e\u0301\u0301\u0301\u0301',
  '\u202e\u202dreversed',
  '\u200b\u200c\u200d\ufeff',
  '\ufffe\uffff',
  "' OR 1=1 --",
  "'; DROP TABLE users; --",
  '") OR ("1"="1',
  '%s%n%x%d',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/',
  '//',
  '~',
  '~2',
  '~0~1',
  '*',
  '#',
  '#c0',
  '#c1',
  '##',
  '#\ud800',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-1',
  '1e999',
  '0x10',
  '2024-13-45T99:99:99Z',
  '2024-02-30T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59.999999999Z',
  'urn:ietf:params:jmap:core',
  'text/html',
  'text/plain; charset=utf-8',
  'a/b',
  'owner',
  'admin',
  'system-admin',
  'messages.send',
  'roles.manage',
  'users.manage',
  'public',
  'private',
  'direct',
  'group',
  'channel',
  'announcement',
  'online',
  'offline',
  'relevance',
  'i;unicode-casemap',
  'i;octet',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'A'.repeat(255),
  'A'.repeat(256),
  '-'.repeat(40),
  '\\u0000',
  '%00',
  '%ff',
  '\u0000'.repeat(3),
];

/** Long strings made of one repeated unit, each within or beyond some limit of the server. */
export function longString(rng, length) {
  const unit = rng.pick(['a', 'é', '😀', '\u0001', ' ', '<b>', '#', '\ud800', 'x\u0000', 'word ']);
  return unit.repeat(Math.max(1, Math.ceil(length / unit.length))).slice(0, length);
}

/** A length for a long string: mostly modest, rarely past 64 KiB, very rarely past 1 MB. */
export function longLength(rng) {
  const r = rng.next();
  // the limits: reactions 64, display names 100, titles 200, ids and media types 255,
  // status messages 280, search texts 500, descriptions 2000, message bodies 64 KiB
  if (r < 0.75) {
    const limit = rng.pick([64, 100, 200, 255, 280, 500, 2000, 10_000, 65_536]);
    return limit + rng.pick([0, 1]);
  }
  if (r < 0.98) return rng.pick([65_537, 100_000]);
  return rng.pick([500_000, 1_100_000]);
}

export function strangeString(rng, ctx) {
  const r = rng.next();
  if (r < 0.55) return rng.pick(STRANGE_STRINGS);
  if (r < 0.75 && ctx) return anyId(rng, ctx);
  if (r < 0.8) return rng.uuid();
  if (r < 0.99) {
    // a mix: some letters, a strange piece, more letters
    return `x${rng.pick(STRANGE_STRINGS)}${rng.hex(rng.int(0, 12))}`;
  }
  return longString(rng, longLength(rng));
}

/** An id the server knows (anyone's), or a near-miss. */
export function anyId(rng, ctx) {
  const pool = rng.pick(ctx.idPools);
  if (pool.length > 0 && rng.chance(0.85)) return rng.pick(pool);
  return rng.pick([rng.uuid(), rng.uuid().toUpperCase(), rng.hex(8), `${rng.uuid()}x`, 'x']);
}

function depthValue(rng, depth) {
  let value = rng.pick([null, 1, 'deep', true, []]);
  for (let i = 0; i < depth; i++) value = rng.chance(0.5) ? [value] : { a: value };
  return value;
}

/** Nested `depth` levels deep as raw text (no recursion, any depth). */
export function deepRaw(rng, depth) {
  const open = rng.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return new RawJson(`${open.repeat(depth)}1${close.repeat(depth)}`);
}

export function bigArray(rng, ctx, length) {
  const kind = rng.pick(['ids', 'ints', 'strings', 'nulls', 'objects', 'same']);
  const out = new Array(length);
  const one = anyId(rng, ctx);
  for (let i = 0; i < length; i++) {
    if (kind === 'ids') out[i] = i % 7 === 0 ? anyId(rng, ctx) : rng.uuid();
    else if (kind === 'ints') out[i] = i;
    else if (kind === 'strings') out[i] = `s${i}`;
    else if (kind === 'nulls') out[i] = null;
    else if (kind === 'objects') out[i] = { i };
    else out[i] = one;
  }
  return out;
}

export function manyKeys(rng, count) {
  const entries = [];
  for (let i = 0; i < count; i++) entries.push([`k${i}`, i % 3 === 0 ? null : i]);
  if (rng.chance(0.3)) entries.push(['__proto__', { polluted: true }]);
  return objectOf(entries);
}

function dangerousObject(rng, ctx) {
  return rng.pick([
    () => objectOf([['__proto__', { isAdmin: true }]]),
    () => objectOf([['constructor', { prototype: { isAdmin: true } }]]),
    () => ({ toString: 'x', valueOf: 1, hasOwnProperty: null }),
    () => ({ resultOf: 'c0', name: 'Core/echo', path: '/x' }),
    () => ({ operator: 'AND', conditions: [] }),
    () => ({ '': '' }),
    () => ({ [strangeString(rng, ctx)]: strangeString(rng, ctx) }),
    () => ({ '@type': 'Request' }),
    () => ({ blobId: anyId(rng, ctx), type: 'text/plain', name: 'a', size: -1 }),
  ])();
}

/**
 * A hostile value. `hint` biases it towards a near miss of what the argument expects
 * ("string", "id", "ids", "int", "bool", "object", "date"); "any" takes anything.
 */
export function hostileValue(rng, ctx, hint = 'any') {
  if (hint !== 'any' && rng.chance(0.45)) return nearMiss(rng, ctx, hint);
  const kind = rng.weighted({
    null: 6,
    bool: 6,
    number: 10,
    rawNumber: 3,
    string: 26,
    long: 2,
    array: 12,
    bigArray: 0.4,
    object: 10,
    manyKeys: 0.3,
    dangerous: 6,
    deep: 3,
    deepRaw: 0.2,
  });
  switch (kind) {
    case 'null':
      return null;
    case 'bool':
      return rng.chance(0.5);
    case 'number':
      return rng.pick(EDGE_NUMBERS);
    case 'rawNumber':
      return new RawJson(rng.pick(RAW_NUMBERS));
    case 'string':
      return strangeString(rng, ctx);
    case 'long':
      return longString(rng, longLength(rng));
    case 'array': {
      const length = rng.int(0, 4);
      return Array.from({ length }, () =>
        rng.chance(0.5) ? anyId(rng, ctx) : hostileValue(rng, ctx, 'string'),
      );
    }
    case 'bigArray':
      return bigArray(
        rng,
        ctx,
        rng.chance(0.9) ? rng.pick([1001, 2000]) : rng.pick([5000, 20_000]),
      );
    case 'object':
      return { [rng.pick(['a', 'id', 'type', 'body', 'x'])]: hostileValue(rng, ctx, 'string') };
    case 'manyKeys':
      return manyKeys(rng, rng.chance(0.9) ? 500 : 5000);
    case 'dangerous':
      return dangerousObject(rng, ctx);
    case 'deep':
      return depthValue(rng, rng.pick([10, 40, 62, 63, 64, 65, 80]));
    case 'deepRaw':
      return deepRaw(rng, rng.pick([100, 1000, 5000]));
    default:
      return null;
  }
}

/** A value of nearly the right kind: the right type with a wrong value, or a close type. */
function nearMiss(rng, ctx, hint) {
  switch (hint) {
    case 'string':
      return strangeString(rng, ctx);
    case 'id':
      return rng.chance(0.6)
        ? anyId(rng, ctx)
        : rng.pick([strangeString(rng, ctx), rng.uuid(), 1, [anyId(rng, ctx)], `#${rng.hex(4)}`]);
    case 'ids':
      if (rng.chance(0.02)) return bigArray(rng, ctx, rng.pick([1001, 2000]));
      return rng.pick([
        () => [anyId(rng, ctx), anyId(rng, ctx)],
        () => [anyId(rng, ctx), anyId(rng, ctx), anyId(rng, ctx)].concat([anyId(rng, ctx)]),
        () => [strangeString(rng, ctx)],
        () => [null],
        () => anyId(rng, ctx),

        () => ['#c0', '#nope', '#'],
        () => [1, 2],
        () => [],
      ])();
    case 'int':
      return rng.chance(0.6) ? rng.pick(EDGE_NUMBERS) : rng.pick(['1', '-1', '', 1.5, true]);
    case 'bool':
      return rng.pick(['true', 'false', 0, 1, null, [], {}]);
    case 'date':
      return rng.pick([
        '2024-13-45T99:99:99Z',
        '2024-01-01',
        '2024-01-01T00:00:00',
        '2024-01-01T00:00:00+25:00',
        '+275760-09-13T00:00:00.000Z',
        '-271821-04-20T00:00:00.000Z',
        '0000-01-01T00:00:00Z',
        '9999-12-31T23:59:59.999Z',
        '1970-01-01T00:00:00.000Z',
        'yesterday',
        '',
        0,
        1e15,
      ]);
    case 'object':
      return rng.chance(0.5) ? dangerousObject(rng, ctx) : manyKeys(rng, rng.int(1, 40));
    default:
      return hostileValue(rng, ctx, 'any');
  }
}

/** A hostile property or argument name. */
export function hostileKey(rng) {
  return rng.pick([
    '__proto__',
    'constructor',
    'prototype',
    '',
    ' ',
    '#',
    '#accountId',
    '#ids',
    'id',
    '@type',
    'a/b',
    '~1',
    '\u0000',
    '\ud800',
    'x'.repeat(rng.pick([300, 5000])),
    '😀',
    'accountId ',
    'ACCOUNTID',
    'extra',
  ]);
}
