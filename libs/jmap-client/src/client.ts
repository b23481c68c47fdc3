// The JMAP client: the Session, requests over the WebSocket when it is open and over HTTP when
// it is not (or fails), batches with result references, and the push connection.
import { Batch, BatchResult } from './batch';
import { PushConnection, type PushConnectionOptions } from './push-connection';
import type { SocketFactory } from './socket';
import {
  CAPABILITIES,
  type Invocation,
  type JmapRequest,
  JmapRequestError,
  type JmapResponse,
  type JmapSession,
} from './types';

export interface TokenSource {
  /** A valid access token (refreshed first when it is about to expire). */
  accessToken(): Promise<string>;
  /** The server refused the last token (401): get a new one, or throw to give up. */
  refresh(): Promise<string>;
}

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface JmapClientOptions {
  baseUrl: string;
  tokens: TokenSource;
  fetch?: FetchLike;
  /** With one, pushes and requests use the RFC 8887 WebSocket. */
  socketFactory?: SocketFactory;
  using?: string[];
  push?: Omit<PushConnectionOptions, 'url' | 'socketFactory'>;
}

export class JmapClient {
  private sessionValue: JmapSession | null = null;
  private pushValue: PushConnection | null = null;
  private readonly fetcher: FetchLike;
  readonly using: string[];

  constructor(private readonly options: JmapClientOptions) {
    this.fetcher = options.fetch ?? ((url, init) => fetch(url, init));
    this.using = options.using ?? [CAPABILITIES.core, CAPABILITIES.chat];
  }

  get session(): JmapSession {
    if (!this.sessionValue) throw new Error('call start() first');
    return this.sessionValue;
  }

  get accountId(): string {
    const account =
      this.session.primaryAccounts[CAPABILITIES.chat] ?? Object.keys(this.session.accounts)[0];
    if (!account) throw new Error('the session has no account');
    return account;
  }

  get push(): PushConnection | null {
    return this.pushValue;
  }

  /** Fetches the Session and opens the push connection (when a socket factory was given). */
  async start(): Promise<JmapSession> {
    const response = await this.authorized(`${this.options.baseUrl}/.well-known/jmap`, {
      method: 'GET',
    });
    this.sessionValue = (await response.json()) as JmapSession;
    const ws = this.sessionValue.capabilities[CAPABILITIES.websocket] as
      | { url?: string }
      | undefined;
    if (this.options.socketFactory && ws?.url) {
      const wsUrl = ws.url;
      this.pushValue = new PushConnection({
        ...this.options.push,
        socketFactory: this.options.socketFactory,
        url: async () =>
          `${wsUrl}?access_token=${encodeURIComponent(await this.options.tokens.accessToken())}`,
      });
      this.pushValue.start();
    }
    return this.sessionValue;
  }

  stop(): void {
    this.pushValue?.stop();
  }

  batch(): Batch {
    return new Batch();
  }

  async run(batch: Batch): Promise<BatchResult> {
    return new BatchResult(await this.request(batch.invocations));
  }

  /** One JMAP request: over the open WebSocket, else (or when it fails on the way) HTTP. */
  async request(methodCalls: Invocation[]): Promise<JmapResponse> {
    const request: JmapRequest = { using: this.using, methodCalls };
    const push = this.pushValue;
    if (push?.isOpen) {
      try {
        return await push.request(request);
      } catch (error) {
        if (!(error instanceof JmapRequestError) || !error.transient) throw error;
        // The socket went away under the request: HTTP may still get through.
      }
    }
    const response = await this.authorized(this.session.apiUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    return (await response.json()) as JmapResponse;
  }

  /** A fetch with the Bearer token; one refresh and retry on 401. */
  async authorized(url: string, init: RequestInit): Promise<Response> {
    const attempt = async (token: string) => {
      try {
        return await this.fetcher(url, {
          ...init,
          headers: {
            ...(init.headers as Record<string, string>),
            Authorization: `Bearer ${token}`,
          },
        });
      } catch (error) {
        throw new JmapRequestError(`network error: ${String(error)}`, null, true);
      }
    };
    let response = await attempt(await this.options.tokens.accessToken());
    if (response.status === 401) response = await attempt(await this.options.tokens.refresh());
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new JmapRequestError(
        `${response.status} ${text.slice(0, 200)}`,
        response.status,
        response.status >= 500 || response.status === 429,
      );
    }
    return response;
  }
}
