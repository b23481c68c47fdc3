import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { REDIS, type Redis } from '@jchat/common';
import {
  type ClientInfo,
  DomainException,
  type OAuthCallbackReply,
  type ProviderView,
} from '@jchat/contracts';
import type * as OpenIdClientModule from 'openid-client';
import type { Configuration as OpenIdConfiguration } from 'openid-client';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import type { ExternalIdentity } from './external-identity';
import { githubAuthorizationUrl, githubIdentity } from './github.client';
import { configuredProviders, type ExternalProvider, type OidcProvider } from './providers';

type OpenIdClient = typeof OpenIdClientModule;

interface PendingLogin {
  provider: string;
  codeVerifier: string;
  nonce: string;
  callbackUrl: string;
  returnTo: string | null;
}

const PENDING_TTL_SECONDS = 600;

/**
 * Authorization code flow with PKCE and `state` against Google, any OpenID
 * Connect issuer (by discovery) and GitHub. The pending login lives in Redis, so
 * the callback may land on any replica, and each `state` works once.
 */
@Injectable()
export class OAuthService {
  private readonly providers: Map<string, ExternalProvider>;
  private readonly discovered = new Map<string, Promise<OpenIdConfiguration>>();
  private client: Promise<OpenIdClient> | undefined;

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {
    this.providers = new Map(configuredProviders(config).map((p) => [p.name, p]));
  }

  list(baseUrl: string): ProviderView[] {
    return [...this.providers.values()].map((p) => ({
      name: p.name,
      displayName: p.displayName,
      authorizeUrl: `${baseUrl}/auth/oauth/${p.name}`,
    }));
  }

  async start(providerName: string, callbackUrl: string, returnTo: string | null): Promise<string> {
    const provider = this.provider(providerName);
    if (returnTo !== null) this.checkReturnTo(returnTo);
    const state = randomBytes(24).toString('base64url');
    const pending: PendingLogin = {
      provider: provider.name,
      codeVerifier: randomBytes(32).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
      callbackUrl,
      returnTo,
    };
    await this.redis.set(`oauth:${state}`, JSON.stringify(pending), 'EX', PENDING_TTL_SECONDS);
    const codeChallenge = createHash('sha256').update(pending.codeVerifier).digest('base64url');
    if (provider.kind === 'github')
      return githubAuthorizationUrl(provider, { callbackUrl, state, codeChallenge });
    const client = await this.openid();
    const configuration = await this.discover(provider);
    return client
      .buildAuthorizationUrl(configuration, {
        redirect_uri: callbackUrl,
        scope: 'openid email profile',
        state,
        nonce: pending.nonce,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      })
      .toString();
  }

  async callback(
    providerName: string,
    callbackUrl: string,
    query: Record<string, string>,
    client: ClientInfo,
  ): Promise<OAuthCallbackReply> {
    const provider = this.provider(providerName);
    if (query['error']) {
      throw new DomainException('unauthenticated', `the provider refused: ${query['error']}`);
    }
    const state = query['state'];
    const stored = state ? await this.redis.getdel(`oauth:${state}`) : null;
    const pending = stored ? (JSON.parse(stored) as PendingLogin) : null;
    if (!pending || pending.provider !== provider.name || pending.callbackUrl !== callbackUrl) {
      throw new DomainException('unauthenticated', 'unknown or expired login state');
    }
    const code = query['code'];
    if (!code) throw new DomainException('invalid_argument', 'the provider sent no code');
    const identity =
      provider.kind === 'github'
        ? await githubIdentity(provider, { code, callbackUrl, codeVerifier: pending.codeVerifier })
        : await this.oidcIdentity(provider, callbackUrl, query, pending);
    const user = await this.users.fromExternalIdentity(identity);
    if (!user.isActive) throw new DomainException('forbidden', 'this account has been deactivated');
    const tokens = await this.sessions.open(user, client);
    return { tokens, returnTo: pending.returnTo, userId: user.id };
  }

  private async oidcIdentity(
    provider: OidcProvider,
    callbackUrl: string,
    query: Record<string, string>,
    pending: PendingLogin,
  ): Promise<ExternalIdentity> {
    const openid = await this.openid();
    const configuration = await this.discover(provider);
    const currentUrl = new URL(callbackUrl);
    currentUrl.search = new URLSearchParams(query).toString();
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await openid.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: query['state'],
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      // Providers that keep scope claims out of the ID token serve them from userinfo.
      if (claims && typeof claims['sub'] === 'string' && claims['email'] === undefined) {
        claims = {
          ...claims,
          ...(await openid.fetchUserInfo(configuration, tokens.access_token, claims['sub'])),
        };
      }
    } catch (error: unknown) {
      throw new DomainException(
        'unauthenticated',
        `the provider login failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
    if (!claims || typeof claims['sub'] !== 'string') {
      throw new DomainException('unauthenticated', 'the provider sent no subject');
    }
    return {
      provider: provider.name,
      subject: claims['sub'],
      email: typeof claims['email'] === 'string' ? claims['email'] : null,
      emailVerified: claims['email_verified'] === true,
      displayName: typeof claims['name'] === 'string' ? claims['name'] : '',
    };
  }

  private provider(name: string): ExternalProvider {
    const provider = this.providers.get(name);
    if (!provider) throw new DomainException('not_found', `no provider named ${name}`);
    return provider;
  }

  private checkReturnTo(returnTo: string): void {
    const allowed = (this.config.WEB_CLIENT_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    let origin: string;
    try {
      origin = new URL(returnTo).origin;
    } catch {
      throw new DomainException('invalid_argument', 'returnTo is not a URL');
    }
    if (!allowed.includes(origin)) {
      throw new DomainException('invalid_argument', 'returnTo is not an allowed web client origin');
    }
  }

  private openid(): Promise<OpenIdClient> {
    // openid-client is an ES module; Node 20.19+ loads it through require().
    this.client ??= Promise.resolve().then(() => require('openid-client') as OpenIdClient);
    return this.client;
  }

  /** The provider's discovered configuration; an unreachable provider is `unavailable`. */
  private async discover(provider: OidcProvider): Promise<OpenIdConfiguration> {
    try {
      return await this.discoverOnce(provider);
    } catch {
      throw new DomainException('unavailable', `${provider.displayName} could not be reached`);
    }
  }

  private discoverOnce(provider: OidcProvider): Promise<OpenIdConfiguration> {
    let configuration = this.discovered.get(provider.name);
    if (!configuration) {
      configuration = this.openid().then((openid) =>
        openid.discovery(
          new URL(provider.issuer),
          provider.clientId,
          provider.clientSecret,
          undefined,
          this.config.OAUTH_ALLOW_INSECURE_ISSUER === '1'
            ? { execute: [openid.allowInsecureRequests] }
            : undefined,
        ),
      );
      configuration.catch(() => this.discovered.delete(provider.name));
      this.discovered.set(provider.name, configuration);
    }
    return configuration;
  }
}
