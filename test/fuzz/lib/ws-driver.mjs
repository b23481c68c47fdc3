// Sends WebSocket fuzz frames on long-lived RFC 8887 connections (a few per user) and matches
// each with its answer:
// - a Request frame with a string id is answered by the frame carrying that id as requestId;
// - any other frame (no id, not JSON, binary, wrong @type) by one frame without requestId, so it
//   is sent alone on its connection (nothing else in flight there);
// - a push-control frame may get no answer at all: it is sent alone and followed by a Core/echo
//   "sentinel"; whatever came without a requestId before the sentinel's answer was its answer.
// Pushes (StateChange, MessagePush, Typing) are counted and otherwise ignored. A connection the
// server closes is reopened for the next frame.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const PUSHES = new Set(['StateChange', 'MessagePush', 'Typing']);
const WINDOW = 8;
const SENTINEL_ID = '__sentinel__';

/** How the answer to a frame holding `value` (a parsed or about-to-be-sent object) is recognised. */
export function expectationOf(value) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'anon' };
  if (value['@type'] === 'Request') {
    return typeof value.id === 'string' ? { kind: 'id', id: value.id } : { kind: 'anon' };
  }
  if (value['@type'] === 'WebSocketPushEnable' || value['@type'] === 'WebSocketPushDisable') {
    return { kind: 'maybe' };
  }
  return { kind: 'anon' };
}

/** How a frame's answer will be recognised, from the frame as sent. */
export function expectation(data, binary) {
  if (binary) return { kind: 'anon' };
  try {
    return expectationOf(JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : data));
  } catch {
    return { kind: 'anon' };
  }
}

const HEAD = /^\{"@type":"(\w+)"(?:,"requestId":("(?:[^"\\]|\\.)*"))?/;
const LARGE = 64 * 1024;

/**
 * The frame's @type, requestId and status: a large frame (an echo of megabytes) is not parsed
 * whole here, since the gateway writes these first; the tally reads it once.
 */
function frameHead(text) {
  const head = text.length > LARGE ? HEAD.exec(text) : null;
  // a RequestError is parsed whole whatever its size: its status may follow a long detail
  if (head && head[1] !== 'RequestError') {
    const requestId = head[2] === undefined ? undefined : JSON.parse(head[2]);
    return { '@type': head[1], requestId };
  }
  try {
    const frame = JSON.parse(text);
    return typeof frame === 'object' && frame !== null ? frame : null;
  } catch {
    return null;
  }
}

class Connection {
  constructor(url, token, timeoutMs, stats) {
    this.url = url;
    this.token = token;
    this.timeoutMs = timeoutMs;
    this.stats = stats;
    this.byId = new Map(); // id -> {resolve, timer}
    this.anon = null; // {resolve, replies, sentinel}
    this.queue = Promise.resolve();
    this.inFlight = 0;
    this.exclusive = false;
    this.waiters = [];
    this.ws = null;
  }

  open() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    if (this.opening) return this.opening;
    this.opening = new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, 'jmap', {
        headers: { authorization: `Bearer ${this.token}` },
        maxPayload: 256 * 1024 * 1024,
        perMessageDeflate: false,
      });
      ws.once('open', () => {
        this.ws = ws;
        this.opening = null;
        resolve();
      });
      ws.once('error', (error) => {
        this.opening = null;
        reject(error);
      });
      ws.on('message', (data) => this.onMessage(data));
      ws.on('close', (code) => this.onClose(ws, code));
    });
    return this.opening;
  }

  onMessage(data) {
    const text = data.toString('utf8');
    const frame = frameHead(text);
    if (frame === null) {
      this.stats.unparsable += 1;
      return;
    }
    if (PUSHES.has(frame['@type'])) {
      this.stats.pushes += 1;
      return;
    }
    if (typeof frame?.requestId === 'string') {
      if (frame.requestId === SENTINEL_ID && this.anon?.sentinel) {
        const anon = this.anon;
        this.anon = null;
        anon.resolve({ replies: anon.replies, noReply: anon.replies.length === 0 });
        return;
      }
      const pending = this.byId.get(frame.requestId);
      if (pending) {
        this.byId.delete(frame.requestId);
        pending.resolve({ replies: [{ frame, text }] });
      } else this.stats.stray += 1; // a late answer to a frame that timed out
      return;
    }
    if (this.anon) {
      this.anon.replies.push({ frame, text });
      if (!this.anon.sentinel) {
        const anon = this.anon;
        this.anon = null;
        anon.resolve({ replies: anon.replies });
      }
      return;
    }
    this.stats.stray += 1;
  }

  onClose(ws, code) {
    if (this.ws === ws) this.ws = null;
    const closed = { closed: code };
    for (const pending of this.byId.values()) pending.resolve(closed);
    this.byId.clear();
    if (this.anon) {
      const anon = this.anon;
      this.anon = null;
      anon.resolve(anon.replies.length > 0 ? { replies: anon.replies, closed: code } : closed);
    }
  }

  /**
   * Takes a place in flight: at most WINDOW frames with ids (never two with the same id), or
   * one frame alone. Checked and taken in the same turn, so two waiters cannot both pass.
   */
  async acquire(expect) {
    const free = () =>
      !this.anon &&
      (expect.kind === 'id'
        ? this.inFlight < WINDOW && !this.byId.has(expect.id) && !this.exclusive
        : this.inFlight === 0);
    while (!free()) await new Promise((resolve) => this.waiters.push(resolve));
    this.inFlight += 1;
    this.exclusive = expect.kind !== 'id';
    if (expect.kind === 'id') this.byId.set(expect.id, { resolve: () => undefined });
  }

  release() {
    this.inFlight -= 1;
    this.exclusive = false;
    for (const wake of this.waiters.splice(0)) wake();
  }

  withTimeout(promise, onTimeout) {
    let timer;
    return Promise.race([
      promise,
      new Promise((resolve) => {
        timer = setTimeout(() => {
          onTimeout();
          resolve({ timeout: true });
        }, this.timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async send(data, binary, known) {
    const expect = known ?? expectation(data, binary);
    await this.acquire(expect);
    try {
      await this.open();
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return { error: 'closed before sending' };
      if (expect.kind === 'id') {
        const answer = new Promise((resolve) => this.byId.set(expect.id, { resolve }));
        ws.send(data, { binary });
        return await this.withTimeout(answer, () => this.byId.delete(expect.id));
      }
      const answer = new Promise((resolve) => {
        this.anon = { resolve, replies: [], sentinel: expect.kind === 'maybe' };
      });
      ws.send(data, { binary });
      if (expect.kind === 'maybe') {
        ws.send(
          JSON.stringify({
            '@type': 'Request',
            id: SENTINEL_ID,
            using: ['urn:ietf:params:jmap:core'],
            methodCalls: [['Core/echo', {}, 's']],
          }),
        );
      }
      return await this.withTimeout(answer, () => {
        this.anon = null;
      });
    } catch (error) {
      return { error: error.code ?? error.message };
    } finally {
      if (expect.kind === 'id') this.byId.delete(expect.id);
      this.release();
    }
  }

  close() {
    this.ws?.terminate();
  }
}

export class WsDriver {
  constructor(port, users, { perUser = 2, timeoutMs = 30_000 } = {}) {
    this.url = `ws://127.0.0.1:${port}/jmap/ws`;
    this.timeoutMs = timeoutMs;
    this.stats = { pushes: 0, stray: 0, unparsable: 0 };
    this.connections = users.map((user) =>
      Array.from(
        { length: perUser },
        () => new Connection(this.url, user.token, timeoutMs, this.stats),
      ),
    );
    this.next = users.map(() => 0);
  }

  async open() {
    await Promise.all(this.connections.flat().map((connection) => connection.open()));
  }

  /** Enables push on the first connection of every user (pushes are then part of the traffic). */
  enablePush() {
    for (const [first] of this.connections) {
      first.ws?.send(
        JSON.stringify({
          '@type': 'WebSocketPushEnable',
          dataTypes: null,
          includeObjects: ['Message'],
        }),
      );
    }
  }

  /** Sends on one of the user's connections, in turn: {replies, closed, timeout, error}. */
  send(userIndex, data, binary, known) {
    const list = this.connections[userIndex];
    const connection = list[this.next[userIndex]++ % list.length];
    return connection.send(data, binary, known);
  }

  /** A throwaway connection for a frame that should end it: what came back, and the close code. */
  async sendFresh(token, data, binary) {
    const connection = new Connection(this.url, token, this.timeoutMs, this.stats);
    try {
      return await connection.send(data, binary);
    } finally {
      connection.close();
    }
  }

  close() {
    for (const connection of this.connections.flat()) connection.close();
  }
}
