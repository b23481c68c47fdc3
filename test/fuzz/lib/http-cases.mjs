// HTTP fuzz cases: JMAP requests over POST /jmap/api, hostile envelopes (bad JSON, deep nesting,
// NUL, bad UTF-8, wrong content types, oversize bodies), bogus tokens on every authenticated
// route, the auth routes, upload and download with hostile parameters, EventSource, weird
// methods and paths, and raw malformed HTTP. A case is plain data; http-driver.mjs sends it.
import { jmapRequest } from './jmap-requests.mjs';
import { raceCase } from './race-cases.mjs';
import { hostilePushState } from './ws-cases.mjs';
import { hostileCredentials } from './tokens.mjs';
import { CHAT, CORE } from './jmap-catalog.mjs';
import {
  deepRaw,
  hostileValue,
  longString,
  STRANGE_STRINGS,
  strangeString,
  toJson,
} from './values.mjs';

const JSON_TYPE = 'application/json';

/** A hostile value as header text (objects as their JSON). */
const asText = (value) => (typeof value === 'string' ? value : toJson(value));

/** Percent-encodes the UTF-8 bytes of a string (lone surrogates become U+FFFD, as in a URL). */
export function pathSegment(text) {
  return [...Buffer.from(String(text), 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

function bearer(user) {
  return { authorization: `Bearer ${user.token}` };
}

/** A fixed, small set of client addresses: per-IP limits then trip as they should. */
function fuzzIp(rng, fixtures) {
  return rng.chance(0.9)
    ? rng.pick(fixtures.fuzzIps)
    : rng.pick(['garbage', '::1', '999.1.1.1', '10.0.0.1, 10.0.0.2, 10.0.0.3', '', 'unknown']);
}

export function jmapApiCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const { request, mutations, methods } = jmapRequest(rng, attacker.ctx);
  return {
    category: 'jmap',
    method: 'POST',
    path: '/jmap/api',
    headers: { ...bearer(attacker), 'content-type': JSON_TYPE },
    body: toJson(request),
    attacker: attacker.index,
    methods,
    mutations,
  };
}

const BAD_JSON = [
  '',
  ' ',
  '{',
  '}',
  '{"using":',
  'nul',
  'undefined',
  "{'using':[]}",
  '[1,]',
  '{"a":1,}',
  'NaN',
  '{"using":NaN}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[]} trailing',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[]}{"again":1}',
  '\ufeff{"using":["urn:ietf:params:jmap:core"],"methodCalls":[]}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":"\\ud800"},"c"]]}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":"\\u0000"},"c"]]}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"\\u0000":1},"c"]]}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":"\\x41"},"c"]]}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":1e400},"c"]]}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"__proto__":{"x":1}},"c"]]}',
  '{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":1,"a":2},"c"]]}',
  'null',
  'true',
  '1',
  '"a string"',
  '[]',
  '{}',
  '{"using":[],"methodCalls":[]}',
  '{"methodCalls":[]}',
  '{"using":["urn:ietf:params:jmap:core"]}',
];

function envelopeBody(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const valid = toJson(jmapRequest(rng, attacker.ctx).request);
  const kind = rng.weighted({
    badJson: 8,
    truncated: 3,
    deep: 3,
    invalidUtf8: 2,
    utf16: 1,
    nulByte: 1,
    manyCalls: 1,
    bigStrings: 0.3,
    oversize: 0.05,
    contentType: 4,
  });
  switch (kind) {
    case 'badJson':
      return { kind, body: rng.pick(BAD_JSON) };
    case 'truncated':
      return { kind, body: valid.slice(0, rng.int(0, valid.length - 1)) };
    case 'deep': {
      const depth = rng.pick([63, 64, 65, 100, 1000, 10_000, 100_000]);
      return {
        kind: `deep:${depth}`,
        body: `{"using":["${CORE}"],"methodCalls":[["Core/echo",{"a":${deepRaw(rng, depth).text}},"c"]]}`,
      };
    }
    case 'invalidUtf8':
      return {
        kind,
        body: Buffer.concat([
          Buffer.from(`{"using":["${CORE}"],"methodCalls":[["Core/echo",{"a":"`),
          Buffer.from(
            rng.pick([
              [0xff],
              [0xc0, 0xaf],
              [0xed, 0xa0, 0x80],
              [0xf8, 0x88, 0x80, 0x80, 0x80],
              [0xe2, 0x82],
            ]),
          ),
          Buffer.from('"},"c"]]}'),
        ]),
      };
    case 'utf16':
      return { kind, body: Buffer.from(valid, 'utf16le') };
    case 'nulByte':
      return {
        kind,
        body: Buffer.concat([
          Buffer.from(valid.slice(0, 20)),
          Buffer.from([0]),
          Buffer.from(valid.slice(20)),
        ]),
      };
    case 'manyCalls': {
      const calls = Array.from({ length: rng.pick([64, 65, 1024, 10_000]) }, (_, i) => [
        'Core/echo',
        {},
        `c${i}`,
      ]);
      return { kind, body: JSON.stringify({ using: [CORE], methodCalls: calls }) };
    }
    case 'bigStrings':
      return {
        kind,
        body: JSON.stringify({
          using: [CORE, CHAT],
          methodCalls: [['Core/echo', { a: longString(rng, rng.pick([100_000, 900_000])) }, 'c']],
        }),
      };
    case 'oversize':
      return { kind, body: Buffer.alloc(10_000_001, 0x20) };
    default:
      return { kind, body: valid };
  }
}

export function envelopeCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const { kind, body } = envelopeBody(rng, fixtures);
  const contentType = rng.pick([
    JSON_TYPE,
    JSON_TYPE,
    JSON_TYPE,
    undefined,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/xml',
    '*/*',
    'garbage',
  ]);
  const headers = { ...bearer(attacker) };
  if (contentType) headers['content-type'] = contentType;
  if (rng.chance(0.05)) headers['content-encoding'] = rng.pick(['gzip', 'br', 'identity', 'x']);
  return {
    category: 'envelope',
    method: 'POST',
    path: '/jmap/api',
    headers,
    body,
    chunked: rng.chance(0.1),
    attacker: attacker.index,
    mutations: [kind],
  };
}

/** Every route that needs a token, with a bogus one. */
export function tokenCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const { label, header, query } = hostileCredentials(rng, fixtures);
  const route = rng.pick([
    ['GET', '/.well-known/jmap', undefined],
    ['POST', '/jmap/api', JSON.stringify({ using: [CORE], methodCalls: [['Core/echo', {}, 'c']] })],
    ['GET', '/auth/sessions', undefined],
    ['DELETE', `/auth/sessions/${fixtures.victim.sessionId}`, undefined],
    ['GET', '/jmap/eventsource?types=*&closeafter=state&ping=0', undefined],
    ['POST', `/jmap/upload/${attacker.id}/`, 'hello'],
    ['GET', `/jmap/download/${attacker.id}/${attacker.blobId}/a.txt`, undefined],
    ['GET', `/jmap/download/${fixtures.victim.id}/${fixtures.victim.blobId}/a.txt`, undefined],
  ]);
  const headers = {};
  if (header !== null) headers.authorization = header;
  if (route[2] !== undefined) headers['content-type'] = JSON_TYPE;
  const path =
    query === null
      ? route[1]
      : `${route[1]}${route[1].includes('?') ? '&' : '?'}access_token=${pathSegment(query)}`;
  return {
    category: 'token',
    method: route[0],
    path,
    headers,
    body: route[2],
    stream: route[1].startsWith('/jmap/eventsource'),
    mutations: [`token:${label}`],
  };
}

function hostileField(rng, fixtures, plausible) {
  return rng.chance(0.4) ? plausible : hostileValue(rng, fixtures.attackers[0].ctx, 'string');
}

export function authCase(rng, fixtures) {
  const ip = fuzzIp(rng, fixtures);
  const route = rng.weighted({
    register: 3,
    login: 4,
    refresh: 3,
    logout: 1,
    sessions: 2,
    revoke: 2,
    providers: 1,
    oauth: 2,
    callback: 2,
  });
  const base = {
    category: 'auth',
    headers: { 'x-forwarded-for': ip, 'content-type': JSON_TYPE },
    mutations: [route],
  };
  const known = [fixtures.victim.email, ...fixtures.attackers.map((a) => a.email)];
  const email = () =>
    hostileField(rng, fixtures, rng.chance(0.5) ? rng.pick(known) : `fz${rng.hex(6)}@example.com`);
  const body = (object) => (rng.chance(0.1) ? rng.pick(BAD_JSON) : toJson(object));
  switch (route) {
    case 'register':
      return {
        ...base,
        method: 'POST',
        path: '/auth/register',
        body: body({
          email: email(),
          password: hostileField(rng, fixtures, `pw-${rng.hex(12)}-Zq9`),
          displayName: hostileField(rng, fixtures, `Fz ${rng.hex(4)}`),
          ...(rng.chance(0.1) ? { isActive: false, id: fixtures.victim.id } : {}),
        }),
      };
    case 'login':
      return {
        ...base,
        method: 'POST',
        path: '/auth/login',
        body: body({
          email: email(),
          password: hostileField(rng, fixtures, `wrong-${rng.hex(8)}`),
        }),
      };
    case 'refresh': {
      const spare = rng.pick(fixtures.throwaway);
      const real = spare.refreshToken;
      const tampered = real.replace(/\.(\d+)\./, (_, g) => `.${Number(g) + 1}.`);
      return {
        ...base,
        method: 'POST',
        path: '/auth/refresh',
        body: body({
          refreshToken: rng.pick([
            () => real,
            () => tampered,
            () => `${fixtures.victim.sessionId}.0.${rng.hex(20)}.${rng.hex(43)}`,
            () => real.split('.').slice(0, 3).join('.'),
            () => `${real}.x`,
            () => hostileValue(rng, fixtures.attackers[0].ctx, 'string'),
          ])(),
        }),
      };
    }
    case 'logout': {
      const spare = rng.pick(fixtures.throwaway);
      return {
        ...base,
        method: 'POST',
        path: '/auth/logout',
        headers: { ...base.headers, authorization: `Bearer ${spare.token}` },
      };
    }
    case 'sessions':
      return {
        ...base,
        method: 'GET',
        path: '/auth/sessions',
        headers: { ...base.headers, ...bearer(rng.pick(fixtures.attackers)) },
      };
    case 'revoke': {
      const id = rng.pick([
        fixtures.victim.sessionId,
        rng.uuid(),
        rng.pick(fixtures.throwaway).sessionId,
        strangeString(rng, null),
        '..',
        '%00',
      ]);
      return {
        ...base,
        method: 'DELETE',
        path: `/auth/sessions/${pathSegment(id)}`,
        headers: { ...base.headers, ...bearer(rng.pick(fixtures.attackers)) },
      };
    }
    case 'providers':
      return {
        ...base,
        method: 'GET',
        path: `/auth/providers${rng.chance(0.3) ? '?x=' + pathSegment(strangeString(rng, null)) : ''}`,
      };
    case 'oauth': {
      const provider = rng.pick([
        'google',
        'github',
        'oidc',
        'nope',
        '__proto__',
        'constructor',
        strangeString(rng, null),
      ]);
      const returnTo = rng.pick([
        '',
        'https://evil.example/',
        'javascript:alert(1)',
        '//evil',
        strangeString(rng, null),
      ]);
      return {
        ...base,
        method: 'GET',
        path: `/auth/oauth/${pathSegment(provider)}?returnTo=${pathSegment(returnTo)}`,
      };
    }
    default: {
      const provider = rng.pick(['google', 'github', 'oidc', 'nope', strangeString(rng, null)]);
      const query = rng.pick([
        'code=x&state=y',
        'state=',
        'error=access_denied',
        'state=a&state=b',
        `code=${pathSegment(strangeString(rng, null))}`,
        '',
      ]);
      const headers = { ...base.headers };
      if (rng.chance(0.6))
        headers.cookie = rng.pick([
          'jchat_oauth_state=y',
          'jchat_oauth_state=%ff',
          'jchat_oauth_state=',
          'a=b; jchat_oauth_state=%E0%A4%A',
          `jchat_oauth_state=${'y'.repeat(4000)}`,
        ]);
      return {
        ...base,
        headers,
        method: 'GET',
        path: `/auth/oauth/${pathSegment(provider)}/callback?${query}`,
      };
    }
  }
}

export function uploadCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const account = rng.pick([
    attacker.id,
    attacker.id,
    attacker.id,
    fixtures.victim.id,
    'x',
    rng.uuid(),
    strangeString(rng, null),
  ]);
  const size = rng.chance(0.9)
    ? rng.pick([0, 1, 100, 4096])
    : rng.pick([524_288, 524_289, 1_100_000]);
  const headers = { ...bearer(attacker) };
  const type = rng.pick([
    'text/plain',
    'image/png',
    undefined,
    'garbage',
    'text/html; charset=utf-8',
    'a/b; x="\\"',
    `text/${'x'.repeat(300)}`,
    'multipart/form-data; boundary=----x',
    '*/*',
    'application/json',
  ]);
  if (type) headers['content-type'] = type;
  return {
    category: 'upload',
    method: 'POST',
    path: `/jmap/upload/${pathSegment(account)}${rng.chance(0.8) ? '/' : ''}`,
    headers,
    body: Buffer.alloc(size, rng.int(0, 255)),
    chunked: rng.chance(0.2),
    declaredLength: rng.chance(0.03) ? rng.pick([50_000_001, 2 ** 40, 9e18]) : undefined,
    mutations: [`upload:${size}`],
  };
}

export function downloadCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const other = rng.pick(fixtures.attackers);
  const [account, blob] = rng.pick([
    [attacker.id, attacker.blobId],
    [attacker.id, attacker.blobId],
    [attacker.id, other.blobId],
    [attacker.id, fixtures.victim.blobId],
    [fixtures.victim.id, fixtures.victim.blobId],
    [attacker.id, rng.uuid()],
    [attacker.id, strangeString(rng, null)],
    [strangeString(rng, null), attacker.blobId],
  ]);
  const name = rng.pick([
    'a.txt',
    '',
    '..',
    '../../etc/passwd',
    'a"b',
    'a\\b',
    'x'.repeat(2000),
    ...STRANGE_STRINGS,
  ]);
  const typeKind = rng.weighted({ none: 3, plain: 3, hostile: 4, array: 0.15, nonLatin1: 0.15 });
  let query = '';
  if (typeKind === 'plain')
    query = `?type=${pathSegment(rng.pick(['text/plain', 'image/png', 'text/html']))}`;
  if (typeKind === 'hostile') {
    query = `?type=${rng.pick([
      'text/html%0d%0aSet-Cookie:%20x=1',
      '%00',
      pathSegment('x'.repeat(300)),
      'a/b;%20charset=%22%5c',
      '',
      'text%2Fplain',
      '%ff',
      pathSegment(strangeString(rng, null)),
    ])}${rng.chance(0.1) ? '&type[x]=1' : ''}`;
  }
  if (typeKind === 'array') query = '?type=text/plain&type=text/html';
  if (typeKind === 'nonLatin1') query = `?type=${pathSegment('text/plain; name=😀')}`;
  const headers = { ...bearer(attacker) };
  if (rng.chance(0.1)) headers['if-none-match'] = rng.pick([`"${blob}"`, '*', '"x"', 'W/"x"']);
  if (rng.chance(0.05))
    headers.range = rng.pick(['bytes=0-1', 'bytes=-1', 'bytes=99999999-', 'garbage']);
  return {
    category: 'download',
    method: rng.chance(0.95) ? 'GET' : 'HEAD',
    path: `/jmap/download/${pathSegment(account)}/${pathSegment(blob)}/${rng.chance(0.5) ? pathSegment(name) : rng.pick(['%', '%ff', '%ED%A0%80', '%C0%AF', 'a%2Fb', '%00'])}${query}`,
    headers,
    mutations: [`download:${typeKind}`],
  };
}

export function eventSourceCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const param = (name, values) =>
    rng.chance(0.8) ? `${name}=${pathSegment(rng.pick(values))}` : '';
  const parts = [
    param('types', [
      '*',
      'Message',
      'Message,Conversation',
      '',
      'Presence',
      'Foo',
      'a,,b',
      '<x>',
      'x'.repeat(5000),
      '*,*',
    ]),
    param('closeafter', ['state', 'no', 'yes', '', 'STATE']),
    param('ping', ['0', '5', '600', '601', '-1', '1e3', '999999999', '9999999999', 'x', '']),
  ];
  if (rng.chance(0.1)) parts.push('types=*');
  if (rng.chance(0.05)) parts.push('ping[]=1');
  const headers = { ...bearer(attacker) };
  if (rng.chance(0.3)) {
    headers['last-event-id'] = asText(hostilePushState(rng, attacker.ctx)).replace(
      /[^\x20-\x7e]/g,
      '',
    );
  }
  return {
    category: 'eventsource',
    method: 'GET',
    path: `/jmap/eventsource?${parts.filter(Boolean).join('&')}`,
    headers,
    stream: true,
    mutations: ['eventsource'],
  };
}

export function sessionCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const headers = { ...bearer(attacker) };
  if (rng.chance(0.3))
    headers.host = rng.pick(['evil.example', 'a b', '127.0.0.1:1', 'x'.repeat(300), '[::1]']);
  if (rng.chance(0.3)) headers['x-forwarded-proto'] = rng.pick(['https', 'gopher', 'javascript']);
  if (rng.chance(0.2)) headers['x-request-id'] = rng.pick(['', 'a'.repeat(65), '../../x', 'ok-id']);
  return {
    category: 'session',
    method: rng.pick(['GET', 'GET', 'HEAD', 'POST']),
    path: rng.pick([
      '/.well-known/jmap',
      '/.well-known/jmap/',
      '/.well-known/jmap?x=1',
      '/.well-known/JMAP',
      '/health',
      '/health/ready',
    ]),
    headers,
    mutations: ['session'],
  };
}

const WEIRD_PATHS = [
  '/',
  '/jmap',
  '/jmap/',
  '/jmap/api/',
  '/jmap/api?x=1',
  '//jmap/api',
  '/jmap/%2e%2e/auth/login',
  '/jmap/../auth/login',
  '/%ff',
  '/%',
  '/%00',
  '/jmap/ws',
  '/jmap/upload/',
  '/jmap/download/a/b/c/d',
  '/jmap/download/a',
  '/auth',
  '/auth/sessions/',
  '/auth/oauth/',
  '/health/ready/x',
  '/?__proto__[x]=1&constructor[prototype][y]=1',
  '/jmap/api?__proto__=1',
  '/index.html',
  '/.env',
  '/favicon.ico',
  '/%2F%2F',
  '/jmap/eventsource/',
];

export function weirdCase(rng, fixtures) {
  const attacker = rng.pick(fixtures.attackers);
  const method = rng.pick([
    'GET',
    'POST',
    'PUT',
    'DELETE',
    'PATCH',
    'OPTIONS',
    'HEAD',
    'FOO',
    'PROPFIND',
    'M-SEARCH',
    'PURGE',
  ]);
  let path = rng.pick(WEIRD_PATHS);
  if (rng.chance(0.1)) path = `/${'a/'.repeat(rng.pick([100, 2000]))}`;
  if (rng.chance(0.05)) path = `/jmap/api?${'a=1&'.repeat(rng.pick([100, 3000]))}`;
  const headers = rng.chance(0.7) ? { ...bearer(attacker) } : {};
  if (rng.chance(0.2)) headers['content-type'] = JSON_TYPE;
  if (rng.chance(0.1)) headers.expect = '100-continue';
  if (rng.chance(0.1)) headers.cookie = 'a='.repeat(2000);
  if (rng.chance(0.1))
    headers['x-forwarded-for'] = Array.from({ length: 200 }, (_, i) => `10.0.${i % 256}.1`).join(
      ', ',
    );
  return {
    category: 'weird',
    method,
    path,
    headers,
    body:
      ['GET', 'HEAD'].includes(method) || rng.chance(0.5)
        ? undefined
        : toJson(hostileValue(rng, attacker.ctx)),
    mutations: [`weird:${method}`],
  };
}

/** Malformed HTTP/1.1 sent as raw bytes (the driver reads whatever comes back). */
export function rawCase(rng, fixtures) {
  const token = rng.pick(fixtures.attackers).token;
  const auth = `Authorization: Bearer ${token}\r\n`;
  const body = `{"using":["${CORE}"],"methodCalls":[["Core/echo",{},"c"]]}`;
  const text = rng.pick([
    () => 'GARBAGE\r\n\r\n',
    () => 'GET / HTTP/9.9\r\n\r\n',
    () => 'GET /\r\n\r\n',
    () => 'GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n',
    () => 'GET / HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n',
    () =>
      `POST /jmap/api HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    () =>
      `POST /jmap/api HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
    () => `POST /jmap/api HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: -1\r\n\r\n`,
    () =>
      `POST /jmap/api HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
    () => `POST /jmap/api HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 1e3\r\n\r\n`,
    () =>
      `POST /jmap/api HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
    () => `GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n`,
    () => `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(rng.pick([17_000, 100_000]))}\r\n\r\n`,
    () => `GET / HTTP/1.1\r\nHost: x\r\n${'X-H: 1\r\n'.repeat(rng.pick([200, 3000]))}\r\n`,
    () => `GET /.well-known/jmap HTTP/1.1\nHost: x\n${auth.replace('\r\n', '\n')}\n`,
    () =>
      `GET /.well-known/jmap HTTP/1.1\r\nHost: x\r\n${auth}\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`,
    () =>
      `GET /.well-known/jmap HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\u0001\r\n\r\n`,
    () => `GET /${'%'.repeat(10)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    () => `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    () => `\u0000\u0001\u0002\u0003\r\n\r\n`,
    () =>
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\na\r\n'.repeat(5000)}0\r\n\r\n`,
    () => `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`,
    () => `GET http://evil.example/health HTTP/1.1\r\nHost: x\r\n\r\n`,
    () => `GET * HTTP/1.1\r\nHost: x\r\n\r\n`,
  ])();
  return { category: 'raw', raw: Buffer.from(text, 'latin1'), mutations: ['raw'] };
}

export const HTTP_CATEGORIES = {
  jmap: [58, jmapApiCase],
  envelope: [9, envelopeCase],
  token: [6, tokenCase],
  auth: [5, authCase],
  upload: [3, uploadCase],
  download: [5, downloadCase],
  eventsource: [3, eventSourceCase],
  session: [2, sessionCase],
  weird: [6, weirdCase],
  raw: [3, rawCase],
  race: [1.5, (rng, fixtures, index) => raceCase(rng, fixtures, index, 'http')],
};

export function httpCase(rng, fixtures, index) {
  const weights = Object.fromEntries(Object.entries(HTTP_CATEGORIES).map(([k, [w]]) => [k, w]));
  return HTTP_CATEGORIES[rng.weighted(weights)][1](rng, fixtures, index);
}
