// Real push clients for the e2e tests: a JMAP-over-WebSocket client (RFC 8887, the `ws`
// package) and an EventSource client (the `eventsource` package, a WHATWG implementation),
// plus waiting on frames/events with timeouts.
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { CHAT, CORE, gatewayUrl } from './http';

export type Frame = Record<string, any>;

/** Collects items and lets a test wait, with a timeout, for the first one matching. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  add(item: T): void {
    const index = this.waiters.findIndex((waiter) => waiter.match(item));
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      waiter!.resolve(item);
      return;
    }
    this.items.push(item);
  }

  /** The first item (already received or still to come) matching; it is taken out. */
  next(match: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const index = this.items.findIndex(match);
    if (index >= 0) return Promise.resolve(this.items.splice(index, 1)[0]!);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.items).slice(0, 2000)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Items received so far and not taken. */
  pending(match: (item: T) => boolean = () => true): T[] {
    return this.items.filter(match);
  }

  clear(): void {
    this.items.length = 0;
  }
}

export function wsUrl(base = gatewayUrl()): string {
  return `${base.replace(/^http/, 'ws')}/jmap/ws`;
}

export interface SocketOptions {
  base?: string;
  /** How to send the token: Authorization header (default) or the access_token query parameter. */
  auth?: 'header' | 'query';
}

/** A JMAP WebSocket client. */
export class JmapSocket {
  readonly frames = new Inbox<Frame>();
  /** Every frame received, in order. */
  readonly log: Frame[] = [];
  private counter = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.log.push(frame);
      this.frames.add(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(token: string, options: SocketOptions = {}): Promise<JmapSocket> {
    const query = options.auth === 'query' ? `?access_token=${encodeURIComponent(token)}` : '';
    const ws = new WebSocket(`${wsUrl(options.base)}${query}`, 'jmap', {
      headers: options.auth === 'query' ? {} : { authorization: `Bearer ${token}` },
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new JmapSocket(ws)));
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
      ws.once('error', reject);
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Sends a Request frame and waits for its Response (or RequestError). */
  async request(
    methodCalls: [string, Record<string, any>, string][],
    using = [CORE, CHAT],
  ): Promise<Frame> {
    this.counter += 1;
    const id = `r${this.counter}`;
    this.send({ '@type': 'Request', id, using, methodCalls });
    return this.frames.next((frame) => frame.requestId === id, 10_000, `response to ${id}`);
  }

  /**
   * WebSocketPushEnable, then a Core/echo round trip: frames are handled in order, so once
   * the echo is answered the server has taken the enable into account.
   */
  async enablePush(
    options: { dataTypes?: string[] | null; pushState?: string; includeObjects?: string[] } = {},
  ): Promise<void> {
    this.send({ '@type': 'WebSocketPushEnable', dataTypes: options.dataTypes ?? null, ...options });
    await this.request([['Core/echo', {}, 'sync']]);
  }

  next(match: (frame: Frame) => boolean, timeoutMs = 5000, what = 'frame'): Promise<Frame> {
    return this.frames.next(match, timeoutMs, what);
  }

  /** The next StateChange naming all `types` for `accountId` (and passing `accept`, if given). */
  stateChange(
    accountId: string,
    types: string[],
    timeoutMs = 5000,
    accept: (frame: Frame) => boolean = () => true,
  ): Promise<Frame> {
    return this.next(
      (frame) =>
        frame['@type'] === 'StateChange' &&
        types.every((type) => frame.changed?.[accountId]?.[type] !== undefined) &&
        accept(frame),
      timeoutMs,
      `StateChange of ${types.join(',')}`,
    );
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

export interface StreamEvent {
  type: string;
  data: Frame;
  id: string | undefined;
}

/** An EventSource client (GET /jmap/eventsource). */
export class JmapEventSource {
  readonly events = new Inbox<StreamEvent>();
  readonly source: EventSource;

  private constructor(source: EventSource) {
    this.source = source;
    for (const type of ['state', 'ping', 'typing']) {
      source.addEventListener(type, (event) => {
        this.events.add({
          type,
          data: JSON.parse(event.data) as Frame,
          id: event.lastEventId || undefined,
        });
      });
    }
  }

  static open(
    token: string,
    options: {
      base?: string;
      query?: string;
      auth?: 'header' | 'query';
      lastEventId?: string;
    } = {},
  ): Promise<JmapEventSource> {
    const params = new URLSearchParams(options.query ?? 'types=*&closeafter=no&ping=0');
    if (options.auth === 'query') params.set('access_token', token);
    const url = `${options.base ?? gatewayUrl()}/jmap/eventsource?${params.toString()}`;
    const source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init.headers as Record<string, string>),
            ...(options.auth === 'query' ? {} : { authorization: `Bearer ${token}` }),
            ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
          },
        }),
    });
    return new Promise((resolve, reject) => {
      source.onopen = () => resolve(new JmapEventSource(source));
      source.onerror = (error) => {
        source.close();
        reject(new Error(`EventSource failed: ${error.code ?? ''} ${error.message ?? ''}`));
      };
    });
  }

  next(
    type: string,
    match: (event: StreamEvent) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<StreamEvent> {
    return this.events.next(
      (event) => event.type === type && match(event),
      timeoutMs,
      `${type} event`,
    );
  }

  /** The next state event naming all `types` (and passing `accept`, when given). */
  stateChange(
    accountId: string,
    types: string[],
    timeoutMs = 5000,
    accept: (data: Frame) => boolean = () => true,
  ): Promise<StreamEvent> {
    return this.next(
      'state',
      (event) =>
        types.every((type) => event.data.changed?.[accountId]?.[type] !== undefined) &&
        accept(event.data),
      timeoutMs,
    );
  }

  close(): void {
    this.source.close();
  }
}

export { eventually } from '../../support/eventually';

/** NATS access for tests that stand in for a writer: publishes `Events.stateChanged` like one. */
export async function writerBus(): Promise<{
  publish: (event: {
    conversationId?: string | null;
    types: string[];
    extraAccountIds?: string[];
    messageId?: string | null;
  }) => Promise<void>;
  close: () => Promise<void>;
}> {
  // Loaded here so that the suites not using it do not need NATS_URL.
  const [{ EventBus }, { Events }] = await Promise.all([
    import('@jchat/bus'),
    import('@jchat/contracts'),
  ]);
  const natsUrl = process.env.NATS_URL;
  if (!natsUrl) throw new Error('NATS_URL is not set: run e2e tests through npm test');
  const bus = await EventBus.connect(natsUrl, 'e2e-writer');
  return {
    publish: (event) =>
      bus.publish(Events.stateChanged, {
        conversationId: event.conversationId ?? null,
        types: event.types as never,
        extraAccountIds: event.extraAccountIds ?? [],
        messageId: event.messageId ?? null,
        at: new Date().toISOString(),
      }),
    close: () => bus.close(),
  };
}

/** Runs one method as `user` and returns its arguments, failing on an error response. */
export async function ok(
  user: { id: string; accessToken: string },
  name: string,
  args: Record<string, unknown>,
  base?: string,
): Promise<Record<string, any>> {
  const { jmap } = await import('./http');
  const result = await jmap(user.accessToken, [[name, { accountId: user.id, ...args }, 'x']], {
    base,
  });
  const response = result.body?.methodResponses?.[0];
  if (result.status !== 200 || !response || response[0] !== name) {
    throw new Error(`${name} failed: ${result.status} ${result.text}`);
  }
  return response[1];
}

/** A group conversation of `owner` with `members`; returns its id. */
export async function newConversation(
  owner: { id: string; accessToken: string },
  members: { id: string }[],
): Promise<string> {
  const result = await ok(owner, 'Conversation/set', {
    create: {
      c: {
        conversationType: 'group',
        privacyLevel: 'private',
        title: 'Push test',
        participantIds: members.map((m) => m.id),
      },
    },
  });
  const id = result.created?.c?.id;
  if (!id) throw new Error(`Conversation/set did not create: ${JSON.stringify(result)}`);
  return id;
}

/** Sends a text message; returns its id. */
export async function sendMessage(
  sender: { id: string; accessToken: string },
  conversationId: string,
  body: string,
  base?: string,
): Promise<string> {
  const result = await ok(sender, 'Message/set', { create: { m: { conversationId, body } } }, base);
  const id = result.created?.m?.id;
  if (!id) throw new Error(`Message/set did not create: ${JSON.stringify(result)}`);
  return id;
}
