// WebSocket fuzz cases (RFC 8887): JMAP Request frames (the same generator as /jmap/api) on a
// user's open connection, invalid frames (not JSON, not a Request, hostile push-enable frames,
// binary), frames that end a connection (huge, bad UTF-8) on a fresh one, hostile framing on a
// raw socket, and hostile upgrade requests.
import { jmapRequest } from './jmap-requests.mjs';
import { raceCase } from './race-cases.mjs';
import { expectationOf } from './ws-driver.mjs';
import { hostileCredentials } from './tokens.mjs';
import { CORE } from './jmap-catalog.mjs';
import { deepRaw, hostileKey, hostileValue, objectOf, strangeString, toJson } from './values.mjs';

const PUSH_TYPES = ['Message', 'Conversation', 'Participant', 'Presence', 'Role', 'User', 'Foo'];

function requestFrame(rng, attacker, index) {
  const { request, mutations, methods } = jmapRequest(rng, attacker.ctx);
  const frame = { '@type': 'Request', id: `w${index}`, ...request };
  const r = rng.next();
  if (r < 0.03) {
    delete frame.id;
    mutations.push('frame:noId');
  } else if (r < 0.06) {
    frame.id = hostileValue(rng, attacker.ctx);
    mutations.push('frame:idType');
  } else if (r < 0.08) {
    frame['@type'] = rng.pick(['request', 'Response', '', null, ['Request']]);
    mutations.push('frame:type');
  } else if (r < 0.1) {
    Object.defineProperty(frame, hostileKey(rng), {
      value: hostileValue(rng, attacker.ctx),
      enumerable: true,
    });
    mutations.push('frame:extraKey');
  }
  return { text: toJson(frame), mutations, methods, expect: expectationOf(frame) };
}

/** Push states of the right shape ("<horizon state>-<presence counter>") and of none. */
export function hostilePushState(rng, ctx) {
  const horizon = ctx.states.Conversation ?? '1~x';
  return rng.pick([
    () => `${horizon}-0`,
    () => `${horizon}-${rng.pick(['1', '99999999999999999999', '-1', '1.5', '', 'x'])}`,
    () => `${rng.pick(['0', '1', '99999999999999999999', '-5', '1.abc', 'zz'])}~${rng.hex(8)}-1`,
    () => `${horizon}-1-1`,
    () => '-',
    () => strangeString(rng, ctx),
    () => hostileValue(rng, ctx),
  ])();
}

function pushFrame(rng, ctx) {
  const frame = { '@type': rng.chance(0.8) ? 'WebSocketPushEnable' : 'WebSocketPushDisable' };
  if (rng.chance(0.7)) {
    frame.dataTypes = rng.pick([
      () => null,
      () => [rng.pick(PUSH_TYPES)],
      () => PUSH_TYPES,
      () => [],
      () => 'Message',
      () => Array.from({ length: 10_000 }, (_, i) => `T${i}`),
      () => hostileValue(rng, ctx),
    ])();
  }
  if (rng.chance(0.4)) frame.pushState = hostilePushState(rng, ctx);
  if (rng.chance(0.4)) {
    frame.includeObjects = rng.pick([
      ['Message'],
      [],
      ['Conversation'],
      'Message',
      [null],
      hostileValue(rng, ctx),
    ]);
  }
  return toJson(frame);
}

const BAD_FRAMES = [
  '',
  ' ',
  '{',
  'null',
  '1',
  '"Request"',
  '[]',
  '[{"@type":"Request"}]',
  '{}',
  '{"@type":"Foo"}',
  '{"@type":null}',
  '{"@type":"Request"}',
  '{"@type":"Request","id":"x"}',
  '{"@type":"Request","id":5,"using":[],"methodCalls":[]}',
  '{"@type":"Request","id":"x","using":"core","methodCalls":[]}',
  '{"@type":"Request","id":"x","using":[],"methodCalls":{}}',
  '{"@type":"Request","id":"x","using":[],"methodCalls":[],"createdIds":[]}',
  '{"@type":"Request","id":"\\ud800","using":[],"methodCalls":[]}',
  '{"@type":"Request","id":"\\u0000","using":[],"methodCalls":[]}',
  '{"@type":"Request","id":"x","using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":"\\ud800\\u0000"},"c"]]}',
  '{"@type":"Request","@type":"WebSocketPushDisable"}',
  '{"@type":"StateChange","changed":{}}',
  '\ufeff{"@type":"WebSocketPushDisable"}',
];

function invalidFrame(rng, attacker) {
  const kind = rng.weighted({ bad: 5, push: 5, deep: 1, echoBig: 0.1, many: 0.3 });
  switch (kind) {
    case 'bad':
      return { text: rng.pick(BAD_FRAMES), mutations: ['ws:bad'] };
    case 'push':
      return { text: pushFrame(rng, attacker.ctx), mutations: ['ws:push'] };
    case 'deep':
      return {
        text: `{"@type":"Request","id":"d","using":["${CORE}"],"methodCalls":[["Core/echo",{"a":${deepRaw(rng, rng.chance(0.9) ? rng.pick([65, 1000]) : 50_000).text}},"c"]]}`,
        mutations: ['ws:deep'],
      };
    case 'echoBig':
      return {
        text: toJson({
          '@type': 'Request',
          id: 'big',
          using: [CORE],
          methodCalls: [['Core/echo', { a: 'x'.repeat(rng.pick([500_000, 2_000_000])) }, 'c']],
        }),
        mutations: ['ws:big'],
      };
    default:
      return {
        text: toJson({
          '@type': 'Request',
          id: 'many',
          using: [CORE],
          methodCalls: Array.from({ length: 65 }, (_, i) => [
            'Core/echo',
            objectOf([['i', i]]),
            `c${i}`,
          ]),
        }),
        mutations: ['ws:manyCalls'],
      };
  }
}

/** A frame that the WebSocket layer itself refuses (and closes for): sent on a fresh connection. */
function closingFrame(rng) {
  if (rng.chance(0.05)) {
    return {
      data: Buffer.alloc(10_000_001, 0x20),
      binary: false,
      mutations: ['fresh:overMaxPayload'],
    };
  }
  return rng.pick([
    () => ({
      data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      binary: false,
      mutations: ['fresh:badUtf8'],
    }),
    () => ({
      data: Buffer.from([0xed, 0xa0, 0x80]),
      binary: false,
      mutations: ['fresh:surrogateUtf8'],
    }),
    () => ({
      data: Buffer.from(`{"@type":"Request","id":"b","using":["${CORE}"],"methodCalls":[]}`),
      binary: true,
      mutations: ['fresh:binaryRequest'],
    }),
  ])();
}

export function wsCase(rng, fixtures, index) {
  const attacker = rng.pick(fixtures.attackers);
  const kind = rng.weighted({
    request: 78.5,
    race: 1.5,
    invalid: 11,
    binary: 2,
    fresh: 0.3,
    raw: 3,
    upgrade: 3.7,
  });
  switch (kind) {
    case 'request': {
      const { text, mutations, methods, expect } = requestFrame(rng, attacker, index);
      return {
        category: 'ws',
        attacker: attacker.index,
        data: text,
        binary: false,
        expect,
        mutations,
        methods,
      };
    }
    case 'invalid': {
      const { text, mutations } = invalidFrame(rng, attacker);
      return {
        category: 'ws-invalid',
        attacker: attacker.index,
        data: text,
        binary: false,
        mutations,
      };
    }
    case 'binary': {
      const length = rng.pick([0, 1, 16, 1000, 100_000]);
      const data = Buffer.alloc(length);
      for (let i = 0; i < length; i++) data[i] = (i * 31 + index) & 0xff;
      return {
        category: 'ws-invalid',
        attacker: attacker.index,
        data,
        binary: true,
        mutations: ['ws:binary'],
      };
    }
    case 'race':
      return raceCase(rng, fixtures, index, 'ws');
    case 'fresh':
      return { category: 'ws-fresh', attacker: attacker.index, fresh: true, ...closingFrame(rng) };
    case 'raw':
      return {
        category: 'ws-raw',
        attacker: attacker.index,
        rawWs: rawFraming(rng),
        mutations: ['ws:raw'],
      };
    default:
      return {
        category: 'ws-upgrade',
        upgrade: hostileUpgrade(rng, fixtures),
        mutations: ['ws:upgrade'],
      };
  }
}

/** Frames (as {fin, rsv, opcode, mask, payload, lengthOverride}) that break RFC 6455 in one way. */
function rawFraming(rng) {
  const request = Buffer.from(
    `{"@type":"Request","id":"r","using":["${CORE}"],"methodCalls":[["Core/echo",{},"c"]]}`,
  );
  const label = rng.pick([
    'unmasked',
    'reservedOpcode',
    'rsvBits',
    'fragmentedControl',
    'continuationFirst',
    'interleaved',
    'bigPing',
    'closeBadCode',
    'closeShort',
    'hugeLength',
    'truncated',
    'fragmentedRequest',
    'manyFragments',
    'pingFlood',
  ]);
  const frames = {
    unmasked: [{ opcode: 1, payload: request, mask: false }],
    reservedOpcode: [{ opcode: rng.pick([3, 7, 11, 15]), payload: request }],
    rsvBits: [{ opcode: 1, rsv: rng.pick([1, 2, 4, 7]), payload: request }],
    fragmentedControl: [{ opcode: 9, fin: false, payload: Buffer.from('p') }],
    continuationFirst: [{ opcode: 0, payload: request }],
    interleaved: [
      { opcode: 1, fin: false, payload: request.subarray(0, 10) },
      { opcode: 1, payload: request.subarray(10) },
    ],
    bigPing: [{ opcode: 9, payload: Buffer.alloc(200, 1) }],
    closeBadCode: [{ opcode: 8, payload: Buffer.from([0x03, 0xe7]) }],
    closeShort: [{ opcode: 8, payload: Buffer.from([0x03]) }],
    hugeLength: [{ opcode: 1, payload: Buffer.from('x'), lengthOverride: 2n ** 63n - 1n }],
    truncated: [{ opcode: 1, payload: request, truncate: true }],
    fragmentedRequest: [
      { opcode: 1, fin: false, payload: request.subarray(0, 5) },
      { opcode: 0, fin: false, payload: request.subarray(5, 20) },
      { opcode: 9, payload: Buffer.from('ping') },
      { opcode: 0, payload: request.subarray(20) },
    ],
    manyFragments: [
      { opcode: 1, fin: false, payload: Buffer.from('{') },
      ...Array.from({ length: 2000 }, () => ({ opcode: 0, fin: false, payload: Buffer.from(' ') })),
      { opcode: 0, payload: Buffer.from('}') },
    ],
    pingFlood: Array.from({ length: 500 }, () => ({ opcode: 9, payload: Buffer.from('x') })),
  }[label];
  return { label, frames };
}

function hostileUpgrade(rng, fixtures) {
  const me = rng.pick(fixtures.attackers);
  const credentials = rng.chance(0.5)
    ? hostileCredentials(rng, fixtures)
    : { label: 'valid', header: `Bearer ${me.token}`, query: null };
  const label = rng.pick([
    'path',
    'protocol',
    'key',
    'version',
    'method',
    'token',
    'token',
    'token',
    'upgradeHeader',
  ]);
  const headers = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': Buffer.from(`k${rng.hex(15)}`).toString('base64'),
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'jmap',
  };
  if (credentials.header !== null) headers.Authorization = credentials.header;
  let method = 'GET';
  let path = '/jmap/ws';
  if (credentials.query !== null) path += `?access_token=${encodeURIComponent(credentials.query)}`;
  switch (label) {
    case 'path':
      path = rng.pick(['/', '/jmap/ws/', '/jmap/api', '/jmap/ws?x=%ff', '//jmap/ws', '/%']);
      break;
    case 'protocol':
      headers['Sec-WebSocket-Protocol'] = rng.pick([
        '',
        'jmapx',
        'chat',
        'jmap, jmap',
        'JMAP',
        ' , ,jmap',
        'x'.repeat(5000),
      ]);
      if (rng.chance(0.3)) delete headers['Sec-WebSocket-Protocol'];
      break;
    case 'key':
      headers['Sec-WebSocket-Key'] = rng.pick(['', 'short', '!!!!', 'a'.repeat(200)]);
      break;
    case 'version':
      headers['Sec-WebSocket-Version'] = rng.pick(['8', '', '13, 8', '99999']);
      break;
    case 'method':
      method = rng.pick(['POST', 'PUT', 'HEAD']);
      break;
    case 'upgradeHeader':
      headers.Upgrade = rng.pick(['h2c', 'websocket, h2c', '', 'WEBSOCKET']);
      break;
    default:
      break;
  }
  return { label: `${label}:${credentials.label}`, method, path, headers };
}
