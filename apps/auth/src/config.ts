import { int, loadConfig, optionalStr, optionalUrl, secret } from '@jchat/common';
import { serviceSettings } from '@jchat/bus';

export const authSettings = {
  ...serviceSettings,
  JWT_SECRET: secret('HMAC key for access tokens, shared with the gateway', 32),
  ACCESS_TOKEN_TTL_SECONDS: int('access token lifetime', 900, 30, 86_400),
  REFRESH_TOKEN_TTL_SECONDS: int('session (refresh token) lifetime', 30 * 86_400, 60, 365 * 86_400),
  BCRYPT_COST: int('bcrypt cost factor', 12, 12, 15),
  LOGIN_LIMIT_PER_IP: int('login attempts per IP per LOGIN_WINDOW_SECONDS', 30, 1, 100_000),
  LOGIN_LIMIT_PER_EMAIL: int('login attempts per email per LOGIN_WINDOW_SECONDS', 10, 1, 100_000),
  LOGIN_WINDOW_SECONDS: int('login rate-limit window', 300, 1, 86_400),
  LOGIN_FAILURES_BEFORE_BACKOFF: int(
    'failed logins per email before each further one is delayed',
    5,
    1,
    1000,
  ),
  REGISTER_LIMIT_PER_IP: int('registrations per IP per hour', 10, 1, 100_000),
  GOOGLE_CLIENT_ID: optionalStr('Google OAuth client id (enables the google provider)'),
  GOOGLE_CLIENT_SECRET: optionalStr('Google OAuth client secret'),
  GITHUB_CLIENT_ID: optionalStr('GitHub OAuth app client id (enables the github provider)'),
  GITHUB_CLIENT_SECRET: optionalStr('GitHub OAuth app client secret'),
  GITHUB_BASE_URL: optionalUrl('GitHub web base URL (default https://github.com)', [
    'http',
    'https',
  ]),
  GITHUB_API_URL: optionalUrl('GitHub API base URL (default https://api.github.com)', [
    'http',
    'https',
  ]),
  OIDC_ISSUER: optionalUrl(
    'issuer of a generic OpenID Connect provider (enables the oidc provider)',
    ['http', 'https'],
  ),
  OIDC_CLIENT_ID: optionalStr('client id at the generic OpenID Connect provider'),
  OIDC_CLIENT_SECRET: optionalStr('client secret at the generic OpenID Connect provider'),
  OIDC_NAME: optionalStr('route name of the generic OpenID Connect provider (default oidc)'),
  OIDC_DISPLAY_NAME: optionalStr('label of the generic OpenID Connect provider'),
  WEB_CLIENT_ORIGINS: optionalStr('comma-separated origins a provider login may return tokens to'),
  OAUTH_ALLOW_INSECURE_ISSUER: optionalStr(
    'set to 1 to allow plain-http issuers on loopback (tests)',
  ),
};

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(authSettings, env);
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
