// RFC 8887 WebSocket: JMAP requests as frames, push enabled with the last pushState seen (so
// the server tells what changed while we were away), reconnection with back-off and jitter,
// and a heartbeat that notices a connection that died silently (a sleeping laptop).
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import {
  realTimers,
  SOCKET_OPEN,
  type SocketFactory,
  type SocketLike,
  type Timers,
} from './socket';
import {
  type JmapRequest,
  JmapRequestError,
  type JmapResponse,
  type PushObject,
  type StateChange,
} from './types';

export type ConnectionStatus = 'connecting' | 'open' | 'waiting' | 'stopped';

export interface PushConnectionOptions {
  /** The WebSocket URL with a fresh access token, asked anew for each attempt. */
  url: () => Promise<string>;
  socketFactory: SocketFactory;
  /** `null`: every type (Presence included, for typing pushes). */
  dataTypes?: string[] | null;
  includeObjects?: string[];
  onStateChange?: (change: StateChange) => void;
  onPush?: (push: PushObject) => void;
  /** Called on each status change; `reconnected` is true on an open that followed a loss. */
  onStatus?: (status: ConnectionStatus, reconnected: boolean) => void;
  backoff?: BackoffOptions;
  random?: () => number;
  timers?: Timers;
  /** A pushState kept from an earlier connection (e.g. saved across a page reload). */
  pushState?: string;
  /** A request not answered this long fails, and the connection is presumed dead. */
  requestTimeoutMs?: number;
  /** Idle this long, the connection is probed with a Core/echo (0: never). */
  heartbeatMs?: number;
}

interface Pending {
  resolve: (response: JmapResponse) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

export class PushConnection {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private everOpened = false;
  private retryTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  private statusValue: ConnectionStatus = 'stopped';
  private lastPushState: string | undefined;
  private readonly timers: Timers;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: PushConnectionOptions) {
    this.timers = options.timers ?? realTimers;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.lastPushState = options.pushState;
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  get isOpen(): boolean {
    return this.statusValue === 'open';
  }

  /** The last pushState received: sent with WebSocketPushEnable on every (re)connection. */
  get pushState(): string | undefined {
    return this.lastPushState;
  }

  start(): void {
    if (this.statusValue !== 'stopped') return;
    void this.connect();
  }

  stop(): void {
    this.setStatus('stopped');
    this.clearTimer('retryTimer');
    this.clearTimer('heartbeatTimer');
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'client stopped');
    }
    this.failPending('the connection was stopped');
  }

  /** Reconnect now instead of waiting out the back-off (e.g. the browser is online again). */
  reconnectNow(): void {
    if (this.statusValue !== 'waiting') return;
    this.clearTimer('retryTimer');
    this.attempt = 0;
    void this.connect();
  }

  /** Drops the current socket as dead (e.g. the browser went offline) and reconnects later. */
  drop(reason: string): void {
    if (!this.socket) return;
    const socket = this.socket;
    socket.onclose = null;
    socket.close(4000, reason);
    this.lost(reason);
  }

  /** Sends a JMAP request as a Request frame; fails at once when the socket is not open. */
  request(request: JmapRequest): Promise<JmapResponse> {
    const socket = this.socket;
    if (!socket || this.statusValue !== 'open' || socket.readyState !== SOCKET_OPEN) {
      return Promise.reject(new JmapRequestError('the WebSocket is not open', null, true));
    }
    const id = `r${++this.nextId}`;
    return new Promise<JmapResponse>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new JmapRequestError('no answer on the WebSocket', null, true));
        this.drop('request timed out');
      }, this.options.requestTimeoutMs ?? 15_000);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ '@type': 'Request', id, ...request }));
      this.armHeartbeat();
    });
  }

  private async connect(): Promise<void> {
    this.setStatus('connecting');
    let url: string;
    try {
      url = await this.options.url();
    } catch {
      if (this.statusValue === 'connecting') this.scheduleRetry();
      return;
    }
    if (this.statusValue !== 'connecting') return; // stopped meanwhile
    let socket: SocketLike;
    try {
      socket = this.options.socketFactory(url, 'jmap');
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      socket.send(
        JSON.stringify({
          '@type': 'WebSocketPushEnable',
          dataTypes: this.options.dataTypes ?? null,
          ...(this.lastPushState ? { pushState: this.lastPushState } : {}),
          ...(this.options.includeObjects ? { includeObjects: this.options.includeObjects } : {}),
        }),
      );
      this.setStatus('open', reconnected);
      this.armHeartbeat();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.armHeartbeat();
      this.receive(event.data);
    };
    socket.onerror = () => undefined; // onclose follows
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.lost(`closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
    };
  }

  private receive(data: unknown): void {
    let frame: PushObject;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as PushObject;
    } catch {
      return;
    }
    switch (frame['@type']) {
      case 'Response':
        this.settle(frame['requestId'], (p) => p.resolve(frame as unknown as JmapResponse));
        return;
      case 'RequestError':
        this.settle(frame['requestId'], (p) =>
          p.reject(
            new JmapRequestError(
              String(frame['detail'] ?? frame['type'] ?? 'request error'),
              typeof frame['status'] === 'number' ? frame['status'] : null,
              typeof frame['status'] === 'number' && frame['status'] >= 500,
            ),
          ),
        );
        return;
      case 'StateChange': {
        const change = frame as unknown as StateChange;
        if (change.pushState) this.lastPushState = change.pushState;
        this.options.onStateChange?.(change);
        return;
      }
      default:
        this.options.onPush?.(frame);
    }
  }

  private settle(requestId: unknown, action: (pending: Pending) => void): void {
    if (typeof requestId !== 'string') return;
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    this.timers.clearTimeout(pending.timer);
    action(pending);
  }

  private lost(reason: string): void {
    this.socket = null;
    this.clearTimer('heartbeatTimer');
    this.failPending(`the WebSocket was lost: ${reason}`);
    if (this.statusValue !== 'stopped') this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.socket = null;
    const delay = backoffDelay(this.attempt++, this.backoff, this.options.random);
    this.setStatus('waiting');
    this.clearTimer('retryTimer');
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  /** After `heartbeatMs` without traffic, a Core/echo must come back, else the socket is dead. */
  private armHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 0;
    if (every <= 0) return;
    this.clearTimer('heartbeatTimer');
    this.heartbeatTimer = this.timers.setTimeout(() => {
      this.heartbeatTimer = null;
      this.request({
        using: ['urn:ietf:params:jmap:core'],
        methodCalls: [['Core/echo', {}, 'ping']],
      }).catch(() => undefined); // a timeout drops the socket
    }, every);
  }

  private failPending(message: string): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      this.timers.clearTimeout(pending.timer);
      pending.reject(new JmapRequestError(message, null, true));
    }
  }

  private clearTimer(which: 'retryTimer' | 'heartbeatTimer'): void {
    if (this[which] !== null) this.timers.clearTimeout(this[which]);
    this[which] = null;
  }

  private setStatus(status: ConnectionStatus, reconnected = false): void {
    this.statusValue = status;
    this.options.onStatus?.(status, reconnected);
  }
}
