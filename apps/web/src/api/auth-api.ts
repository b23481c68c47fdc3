// The auth routes (README "HTTP interface") and the tokens: the refresh token is kept in
// localStorage, the access token in memory, refreshed shortly before it expires.
import type { TokenSource } from '@jchat/jmap-client';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: string;
}

export interface SessionView {
  id: string;
  createdAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface ProviderView {
  name: string;
  displayName: string;
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const REFRESH_KEY = 'jchat.refreshToken';

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as {
      message?: string;
      fields?: Record<string, string>;
    };
    const fields = problem.fields ? Object.values(problem.fields).join('; ') : '';
    throw new AuthError(fields || problem.message || `error ${response.status}`, response.status);
  }
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
}

export const authApi = {
  register: (email: string, password: string, displayName: string) =>
    call<{ id: string }>('POST', '/auth/register', { email, password, displayName }),
  login: (email: string, password: string) =>
    call<TokenPair>('POST', '/auth/login', { email, password }),
  providers: () => call<{ providers: ProviderView[] }>('GET', '/auth/providers'),
};

/** The signed-in session's tokens. */
export class TokenStore implements TokenSource {
  private access: { token: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;
  /** Called once the server no longer accepts this session. */
  onSessionEnded: (() => void) | null = null;

  constructor(private refreshToken: string | null) {}

  static fromStorage(): TokenStore | null {
    const stored = localStorage.getItem(REFRESH_KEY);
    return stored ? new TokenStore(stored) : null;
  }

  /** After a password login, or a provider login's redirect (tokens in the fragment). */
  static fromPair(pair: TokenPair): TokenStore {
    const store = new TokenStore(pair.refreshToken);
    store.keep(pair);
    return store;
  }

  async accessToken(): Promise<string> {
    if (this.access && this.access.expiresAt - Date.now() > 30_000) return this.access.token;
    return this.refresh();
  }

  refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        if (!this.refreshToken) throw new AuthError('signed out', 401);
        const pair = await call<TokenPair>('POST', '/auth/refresh', {
          refreshToken: this.refreshToken,
        });
        this.keep(pair);
        return pair.accessToken;
      } catch (error) {
        if (error instanceof AuthError && error.status === 401) {
          // The session ended (revoked elsewhere, expired, signed out): back to the sign-in.
          this.forget();
          this.onSessionEnded?.();
        }
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async sessions(): Promise<SessionView[]> {
    return (
      await call<{ sessions: SessionView[] }>(
        'GET',
        '/auth/sessions',
        undefined,
        await this.accessToken(),
      )
    ).sessions;
  }

  async revoke(sessionId: string): Promise<void> {
    await call(
      'DELETE',
      `/auth/sessions/${encodeURIComponent(sessionId)}`,
      undefined,
      await this.accessToken(),
    );
  }

  async logout(): Promise<void> {
    try {
      await call('POST', '/auth/logout', undefined, await this.accessToken());
    } finally {
      this.forget();
    }
  }

  forget(): void {
    this.refreshToken = null;
    this.access = null;
    localStorage.removeItem(REFRESH_KEY);
  }

  private keep(pair: TokenPair): void {
    this.refreshToken = pair.refreshToken;
    this.access = { token: pair.accessToken, expiresAt: Date.now() + pair.expiresIn * 1000 };
    localStorage.setItem(REFRESH_KEY, pair.refreshToken);
  }
}

/** Tokens a provider login sent back in the URL fragment, if any (and clears it). */
export function tokensFromFragment(): TokenPair | null {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const accessToken = params.get('access_token');
  const refreshToken = params.get('refresh_token');
  if (!accessToken || !refreshToken) return null;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return {
    accessToken,
    refreshToken,
    expiresIn: Number(params.get('expires_in') ?? 900),
    sessionId: params.get('session_id') ?? '',
  };
}
