import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';
import { InFlight } from '@jchat/common';
import { DomainException } from '@jchat/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config';
import { JmapApiService } from '../../jmap/jmap-api.service';
import { pushStats } from '../../metrics/push-metrics';
import { JmapSessionService } from '../../jmap/jmap-session.service';
import { PushAuthenticator, UpgradeAuthError } from '../push-auth';
import { PUSH_CONFIG, type PushConfig } from '../push-config';
import {
  type CloseReason,
  type PushSession,
  PushSessions,
  type PushTransport,
} from '../push-sessions.service';
import type { PushOutput } from '../push-stream';
import { WsConnection } from './ws-connection';

export const WEBSOCKET_PATH = '/jmap/ws';
const SUBPROTOCOL = 'jmap';

/** A transport whose socket exists only once the upgrade completes. */
class PendingTransport implements PushTransport {
  target: PushTransport | null = null;
  /** Closed before the socket existed: the socket is closed as soon as it does. */
  closedFor: CloseReason | null = null;

  emit(output: PushOutput): void {
    this.target?.emit(output);
  }

  close(reason: CloseReason): void {
    if (this.target) this.target.close(reason);
    else this.closedFor = reason;
  }
}

/**
 * `GET /jmap/ws` with subprotocol `jmap` (RFC 8887), on the gateway's own HTTP server.
 * The upgrade is authenticated first (Bearer header or `access_token` query parameter):
 * a missing, invalid or revoked token is answered 401 and no WebSocket is made. The
 * account's push subscription is ready before the 101 goes out.
 */
@Injectable()
export class WsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ws');
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<WsConnection>();
  /** Open sockets, for a shutdown to wait until they have closed. */
  private readonly open = new InFlight();
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: PushAuthenticator,
    private readonly sessions: PushSessions,
    private readonly api: JmapApiService,
    private readonly sessionService: JmapSessionService,
    @Inject(GATEWAY_CONFIG) gatewayConfig: GatewayConfig,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: gatewayConfig.JMAP_MAX_SIZE_REQUEST,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(request, socket, head);
    });
    this.pingTimer = setInterval(() => {
      for (const connection of this.connections) connection.ping();
    }, this.config.PUSH_PING_MS);
    this.pingTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.wss.close();
    for (const client of this.wss.clients) client.terminate();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Resolves once every WebSocket has closed. */
  allClosed(): Promise<void> {
    return this.open.idle();
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path !== WEBSOCKET_PATH)
      return reject(socket, 404, 'not_found', 'no WebSocket endpoint here');
    if (!offeredProtocols(request).includes(SUBPROTOCOL)) {
      return reject(socket, 400, 'invalid_request', 'the "jmap" WebSocket subprotocol is required');
    }
    let user;
    try {
      user = await this.authenticator.authenticate(request);
    } catch (error: unknown) {
      if (error instanceof UpgradeAuthError) {
        return reject(socket, 401, 'unauthorized', error.message, { 'WWW-Authenticate': 'Bearer' });
      }
      this.logger.warn({ error: String(error) }, 'upgrade authentication failed');
      return reject(socket, 503, 'service_unavailable', 'cannot check the access token now');
    }
    if (socket.destroyed) return;
    const transport = new PendingTransport();
    let session: PushSession;
    try {
      session = await this.sessions.open(user, transport);
    } catch (error: unknown) {
      if (error instanceof DomainException) {
        return reject(socket, 503, 'service_unavailable', error.message, { 'Retry-After': '1' });
      }
      this.logger.warn({ error: String(error) }, 'cannot subscribe to the account push subject');
      return reject(socket, 503, 'service_unavailable', 'push is unavailable right now');
    }
    // Covers an upgrade that ws refuses (it then destroys the socket without calling back).
    socket.once('close', () => session.end());
    if (socket.destroyed) {
      session.end();
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new WsConnection(ws, user, {
        api: this.api,
        sessions: this.sessionService,
        maxBufferedBytes: this.config.PUSH_MAX_BUFFER_BYTES,
      });
      transport.target = connection;
      connection.bind(session);
      if (transport.closedFor) connection.close(transport.closedFor);
      this.connections.add(connection);
      pushStats.websocket.open += 1;
      const closed = this.open.begin();
      ws.once('close', () => {
        this.connections.delete(connection);
        pushStats.websocket.open -= 1;
        closed();
      });
    });
  }
}

function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return (typeof header === 'string' ? header : '').split(',').map((protocol) => protocol.trim());
}

function reject(
  socket: Duplex,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: code, message });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
