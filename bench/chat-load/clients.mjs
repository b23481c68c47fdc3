// The JMAP client of the chat-load benchmark, as a real client talks to JCHAT: POST /auth/login
// for an access token, HTTP /jmap/api for setup, and one RFC 8887 WebSocket (subprotocol
// `jmap`) carrying Request frames and push.
import { createRequire } from 'node:module';
import { delay } from './stats.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

export const USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'];
const LOGIN_ATTEMPTS = 3;

/** Logs the user in with email and password; sets user.token and user.loggedInAt. */
export async function login(base, user) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    if (response.status === 200) {
      user.token = (await response.json()).accessToken;
      user.loggedInAt = Date.now();
      return;
    }
    await response.body?.cancel();
    const retryable = response.status === 429 || response.status === 503;
    if (!retryable || attempt === LOGIN_ATTEMPTS) throw new Error(`login: HTTP ${response.status}`);
    await delay(1000 * (Number(response.headers.get('retry-after')) || 1));
  }
}

/** One JMAP request over HTTP (setup only); returns methodResponses. */
export async function api(base, user, methodCalls) {
  const response = await fetch(`${base}/jmap/api`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ using: USING, methodCalls }),
  });
  if (response.status !== 200) throw new Error(`API ${response.status}: ${await response.text()}`);
  return (await response.json()).methodResponses;
}

// Server frames are objects serialised with "@type" first: the type is read from the prefix,
// so a push is classified without parsing it.
const PREFIX = {
  messagePush: '{"@type":"MessagePush"',
  stateChange: '{"@type":"StateChange"',
  response: '{"@type":"Response"',
  requestError: '{"@type":"RequestError"',
};
export const isMessagePush = (text) => text.startsWith(PREFIX.messagePush);
export const isStateChange = (text) => text.startsWith(PREFIX.stateChange);
const isReply = (text) => text.startsWith(PREFIX.response) || text.startsWith(PREFIX.requestError);

/**
 * A user's WebSocket. `send(methodCalls, {timeoutMs, onReply, onTimeout})` sends a Request
 * frame; onReply gets the parsed Response or RequestError (`late` when it came after the
 * timeout), or `{"@type": "Closed"}` if the socket closed first. Every other frame goes to
 * `onPush(text)`, unparsed.
 */
export class JmapSocket {
  constructor(ws) {
    this.ws = ws;
    this.pending = new Map();
    this.nextId = 0;
    this.closeCode = null;
    this.lateReplies = 0;
    this.onPush = () => undefined;
    ws.on('message', (data) => this.receive(data.toString()));
    ws.on('close', (code) => this.closed(code));
    ws.on('error', () => undefined); // followed by 'close'
  }

  /** Opens a WebSocket for the user (token in the query, as browsers do). */
  static open(base, user, timeoutMs = 30_000) {
    const url = `${base.replace(/^http/, 'ws')}/jmap/ws?access_token=${user.token}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'jmap', {
        perMessageDeflate: false,
        handshakeTimeout: timeoutMs,
      });
      ws.once('open', () => resolve(new JmapSocket(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => {
        ws.terminate();
        reject(new Error(`upgrade: HTTP ${response.statusCode}`));
      });
    });
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(methodCalls, { timeoutMs, onReply, onTimeout }) {
    const id = String((this.nextId += 1));
    if (!this.isOpen) {
      onReply({ '@type': 'Closed' }, false);
      return;
    }
    const entry = { onReply, timedOut: false, timer: null };
    entry.timer = setTimeout(() => {
      entry.timedOut = true;
      onTimeout();
    }, timeoutMs);
    this.pending.set(id, entry);
    this.ws.send(JSON.stringify({ '@type': 'Request', id, using: USING, methodCalls }));
  }

  /** send() as a promise of the reply; a timeout resolves to {"@type": "Timeout"}. */
  call(methodCalls, timeoutMs = 30_000) {
    return new Promise((resolve) => {
      this.send(methodCalls, {
        timeoutMs,
        onReply: (frame, late) => !late && resolve(frame),
        onTimeout: () => resolve({ '@type': 'Timeout' }),
      });
    });
  }

  /** WebSocketPushEnable for Message, then a Core/echo: the push is on once it is answered. */
  async enablePush(includeObjects) {
    const enable = { '@type': 'WebSocketPushEnable', dataTypes: ['Message'] };
    if (includeObjects) enable.includeObjects = ['Message'];
    this.ws.send(JSON.stringify(enable));
    const reply = await this.call([['Core/echo', {}, 'e']]);
    if (reply['@type'] !== 'Response') throw new Error(`push enable: ${reply['@type']}`);
  }

  close() {
    this.ws.terminate();
  }

  receive(text) {
    if (!isReply(text)) {
      this.onPush(text);
      return;
    }
    const frame = JSON.parse(text);
    const entry = this.pending.get(frame.requestId);
    if (!entry) return;
    this.pending.delete(frame.requestId);
    clearTimeout(entry.timer);
    if (entry.timedOut) this.lateReplies += 1;
    entry.onReply(frame, entry.timedOut);
  }

  closed(code) {
    this.closeCode = code;
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      if (!entry.timedOut) entry.onReply({ '@type': 'Closed' }, false);
    }
    this.pending.clear();
  }
}

/**
 * What a reply to one Message/set create says: {accepted, kind, retryAfterMs}. kind names a
 * refusal: `request:<type>` (RequestError), `method:<type>` (method error),
 * `notCreated:<type> (<which bound, from its description>)`, or `socketClosed`.
 */
export function classifySetReply(frame) {
  // A SetError's retryAfterMs, or the seconds of a request-level refusal.
  const hint = (object) =>
    Number(object?.retryAfterMs) ||
    1000 * (Number(object?.retryAfter ?? object?.retryAfterSeconds) || 0);
  switch (frame['@type']) {
    case 'Response': {
      const [name, args] = frame.methodResponses?.[0] ?? [];
      if (name === 'error') {
        return { accepted: false, kind: `method:${args?.type}`, retryAfterMs: hint(args) };
      }
      if (args?.created?.m) return { accepted: true, kind: null, retryAfterMs: 0 };
      const refusal = args?.notCreated?.m;
      return {
        accepted: false,
        kind: refusal ? `notCreated:${refusal.type}${refusalReason(refusal)}` : 'unexpectedReply',
        retryAfterMs: hint(refusal),
      };
    }
    case 'RequestError': {
      const type = String(frame.type).replace('urn:ietf:params:jmap:error:', '');
      const kind = frame.limit ? `request:${type}(${frame.limit})` : `request:${type}`;
      return { accepted: false, kind, retryAfterMs: hint(frame) };
    }
    case 'Closed':
      return { accepted: false, kind: 'socketClosed', retryAfterMs: 0 };
    default:
      return { accepted: false, kind: `unexpected:${frame['@type']}`, retryAfterMs: 0 };
  }
}

/**
 * Which bound refused, from the SetError's description with its numbers taken out (e.g.
 * " (pushes to members are N ms behind)"): the same type comes from more than one.
 */
function refusalReason(refusal) {
  const said = typeof refusal.description === 'string' ? refusal.description.split(':')[0] : '';
  return said ? ` (${said.replace(/\d+/g, 'N').slice(0, 60)})` : '';
}

/** Whether a refusal kind tells the client to come back later (rather than that it failed). */
export const isRetryable = (kind) => /limit|serverUnavailable|tooMany/i.test(kind);
