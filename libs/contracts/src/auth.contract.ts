import { contract } from './contract';
import {
  LoginDto,
  OAuthCallbackDto,
  OAuthStartDto,
  ProvidersDto,
  RefreshDto,
  RegisterDto,
  RevokeSessionDto,
  SessionRefDto,
  UserRefDto,
} from './dto/auth.dto';

export interface ClientInfo {
  ipAddress: string | null;
  userAgent: string | null;
}

export interface RegisterRequest extends ClientInfo {
  email: string;
  password: string;
  displayName: string;
}
export interface RegisteredUser {
  id: string;
  email: string;
  displayName: string;
}

export interface LoginRequest extends ClientInfo {
  email: string;
  password: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Access token lifetime in seconds. */
  expiresIn: number;
  sessionId: string;
}

export interface RefreshRequest extends ClientInfo {
  refreshToken: string;
}

export interface SessionRef {
  userId: string;
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

export interface RevokeSessionRequest {
  userId: string;
  /** The caller's own session, to mark `current`. */
  currentSessionId: string;
  sessionId: string;
}

export interface SessionCheckReply {
  live: boolean;
}

export interface ProviderView {
  name: string;
  displayName: string;
  authorizeUrl: string;
}

export interface OAuthStartRequest {
  provider: string;
  /** Where the gateway's callback route lives, as the browser sees it. */
  callbackUrl: string;
  /** Web client URL to send tokens to after the callback (optional). */
  returnTo: string | null;
}
export interface OAuthStartReply {
  authorizationUrl: string;
}

export interface OAuthCallbackRequest extends ClientInfo {
  provider: string;
  callbackUrl: string;
  /** The full query string the provider sent back (code, state, iss, error...). */
  query: Record<string, string>;
}
export interface OAuthCallbackReply {
  tokens: TokenPair;
  returnTo: string | null;
  userId: string;
}

export interface UserProfile {
  id: string;
  email: string;
  displayName: string;
  isActive: boolean;
}

export const AuthSubjects = {
  profile: contract<{ userId: string }, UserProfile>('auth.user.profile.v1', UserRefDto),
  register: contract<RegisterRequest, RegisteredUser>('auth.user.register.v1', RegisterDto),
  login: contract<LoginRequest, TokenPair>('auth.session.login.v1', LoginDto),
  refresh: contract<RefreshRequest, TokenPair>('auth.session.refresh.v1', RefreshDto),
  logout: contract<SessionRef, Record<string, never>>('auth.session.logout.v1', SessionRefDto),
  listSessions: contract<SessionRef, { sessions: SessionView[] }>(
    'auth.session.list.v1',
    SessionRefDto,
  ),
  revokeSession: contract<RevokeSessionRequest, Record<string, never>>(
    'auth.session.revoke.v1',
    RevokeSessionDto,
  ),
  checkSession: contract<SessionRef, SessionCheckReply>('auth.session.check.v1', SessionRefDto),
  providers: contract<{ baseUrl: string }, { providers: ProviderView[] }>(
    'auth.oauth.providers.v1',
    ProvidersDto,
  ),
  oauthStart: contract<OAuthStartRequest, OAuthStartReply>('auth.oauth.start.v1', OAuthStartDto),
  oauthCallback: contract<OAuthCallbackRequest, OAuthCallbackReply>(
    'auth.oauth.callback.v1',
    OAuthCallbackDto,
  ),
} as const;

/** Access-token claims (JWT, HS256). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  typ: 'access';
}

/** Redis key under the prefix telling whether a session is live (value: user id) or revoked. */
export function sessionCacheKey(sessionId: string): string {
  return `session:${sessionId}`;
}
export const REVOKED_SESSION_MARK = 'revoked';
