import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { type RawData, WebSocket } from 'ws';
import { newRequestId, runWithRequestId } from '@jchat/common';
import { JmapRequestError } from '@jchat/jmap';
import type { AuthUser } from '../../auth/auth-user';
import type { JmapApiService } from '../../jmap/jmap-api.service';
import type { JmapSessionService } from '../../jmap/jmap-session.service';
import { type DropReason, pushStats } from '../../metrics/push-metrics';
import type { CloseReason, PushSession, PushTransport } from '../push-sessions.service';
import { serializeFrame } from '../push-frames';
import type { PushOutput } from '../push-stream';
import { type ClientFrame, parseClientFrame } from './ws-frames';

const CLOSE_CODES: Record<CloseReason, [number, string]> = {
  // 1008 policy violation; 1013 try again later; 1001 going away (RFC 6455 §7.4.1); 1012
  // service restart (IANA WebSocket close code registry): reconnect, to another gateway.
  sessionEnded: [1008, 'session ended'],
  tooSlow: [1013, 'too far behind: reconnect and resync'],
  shutdown: [1001, 'server shutting down'],
  restart: [1012, 'service restart'],
  done: [1000, 'done'],
};
const stats = pushStats.websocket;
const CLOSE_TIMEOUT_MS = 5000;

export interface WsConnectionDeps {
  api: JmapApiService;
  sessions: JmapSessionService;
  maxBufferedBytes: number;
}

/**
 * One JMAP-over-WebSocket connection (RFC 8887): Request frames run through the same
 * dispatch as /jmap/api and are answered with Response or RequestError frames (in the
 * order they finish, matched by requestId); WebSocketPushEnable/Disable control the push
 * session; pushes go out as StateChange, MessagePush and Typing frames. A socket that
 * falls behind by more than maxBufferedBytes is closed. When the gateway restarts, the
 * requests running are answered first, then the socket is closed with 1012.
 */
export class WsConnection implements PushTransport {
  private readonly logger = new Logger('ws');
  private session: PushSession | null = null;
  private answeredPing = true;
  private corked = false;
  /** Request frames being run. */
  private running = 0;
  /** Closing for a restart once `running` is 0: new Request frames are refused. */
  private restarting = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly user: AuthUser,
    private readonly deps: WsConnectionDeps,
  ) {}

  bind(session: PushSession): void {
    this.session = session;
    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('pong', () => {
      this.answeredPing = true;
    });
    this.socket.on('close', () => session.end());
    this.socket.on('error', () => session.end());
  }

  /** Called every ping interval: a socket that did not answer the last ping is dropped. */
  ping(): void {
    if (!this.answeredPing) {
      this.socket.terminate();
      return;
    }
    this.answeredPing = false;
    this.socket.ping();
  }

  emit(output: PushOutput): void {
    const dropped = this.send(output);
    if (dropped === null) stats.sent += 1;
    else stats.dropped[dropped] += 1;
  }

  close(reason: CloseReason): void {
    if (reason === 'restart' && this.running > 0) {
      this.restarting = true; // closed when the last request running is answered
      return;
    }
    const [code, text] = CLOSE_CODES[reason];
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, text);
    setTimeout(() => this.socket.terminate(), CLOSE_TIMEOUT_MS).unref();
  }

  /** Sends a frame; says why it was not sent, if it was not. */
  private send(frame: object): DropReason | null {
    if (this.socket.readyState !== WebSocket.OPEN) return 'closed';
    if (this.socket.bufferedAmount > this.deps.maxBufferedBytes) {
      this.session?.close('tooSlow');
      return 'slow';
    }
    this.corkUntilNextTick();
    // Always a text frame, also when the payload comes as bytes.
    this.socket.send(serializeFrame(frame), { binary: false });
    return null;
  }

  /**
   * Frames sent in one turn of the event loop (a push carries several messages, then its
   * StateChange) leave in one write: a system call per frame was the gateway's main cost.
   */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    // ws exposes no cork of its own; its underlying net.Socket is `_socket`.
    const raw = (this.socket as unknown as { _socket?: Socket })._socket;
    if (!raw) return;
    raw.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      raw.uncork();
    });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.sendError(
        null,
        new JmapRequestError(
          'urn:ietf:params:jmap:error:notJSON',
          'Binary messages are not supported.',
        ),
      );
      return;
    }
    const text = rawText(data);
    const frame: ClientFrame = parseClientFrame(text);
    switch (frame.kind) {
      case 'invalid':
        this.sendError(frame.id, frame.error);
        return;
      case 'request':
        if (this.restarting) {
          this.send({
            '@type': 'RequestError',
            ...(frame.id === null ? {} : { requestId: frame.id }),
            type: 'about:blank',
            status: 503,
            detail: 'The server is restarting: reconnect and send the request again.',
          });
          return;
        }
        // Syncing after a push is not the user being active; changing something is.
        if (frame.writes) this.session?.touch();
        void this.runRequest(text, frame.id);
        return;
      case 'pushEnable':
        this.session?.enable(
          {
            dataTypes: frame.dataTypes === null ? null : new Set(frame.dataTypes),
            includeMessages: frame.includeObjects.includes('Message'),
          },
          frame.pushState,
        );
        return;
      case 'pushDisable':
        this.session?.disable();
        return;
    }
  }

  /** Runs a Request frame under a request id of its own (in the logs of every process). */
  private async runRequest(text: string, id: string | null): Promise<void> {
    const requestId = newRequestId();
    this.running += 1;
    try {
      await runWithRequestId(requestId, () => this.answer(text, id, requestId));
    } finally {
      this.running -= 1;
      if (this.restarting && this.running === 0) this.close('restart');
    }
  }

  private async answer(text: string, id: string | null, requestId: string): Promise<void> {
    try {
      const response = await this.deps.api.handle(
        text,
        this.user,
        requestId,
        this.deps.sessions.sessionState(this.user.userId),
      );
      this.send({ '@type': 'Response', ...(id === null ? {} : { requestId: id }), ...response });
    } catch (error: unknown) {
      if (error instanceof JmapRequestError) {
        this.sendError(id, error);
        return;
      }
      this.logger.error(
        { requestId, error: error instanceof Error ? error.stack : String(error) },
        'request failed',
      );
      this.send({
        '@type': 'RequestError',
        ...(id === null ? {} : { requestId: id }),
        type: 'about:blank',
        status: 500,
        detail: 'The request failed on the server.',
      });
    }
  }

  private sendError(id: string | null, error: JmapRequestError): void {
    this.send({
      '@type': 'RequestError',
      ...(id === null ? {} : { requestId: id }),
      ...error.toProblem(),
    });
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
