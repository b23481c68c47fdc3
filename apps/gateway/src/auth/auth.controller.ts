import { timingSafeEqual } from 'node:crypto';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthSubjects, DomainException } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import { isUuid } from '@jchat/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { readJsonObject, stringField } from '../http/read-json';
import { clientInfo, requestIdOf, requestOrigin } from '../http/request-info';
import type { AuthUser } from './auth-user';
import { CurrentUser, JwtAuthGuard } from './jwt-auth.guard';
import { SessionLivenessService } from './session-liveness.service';

/** The account routes of the HTTP interface; the auth service does the work. */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly liveness: SessionLivenessService,
  ) {}

  /** The public origin (PUBLIC_BASE_URL), else the request's own. */
  private origin(req: Request): string {
    return (this.config.PUBLIC_BASE_URL ?? requestOrigin(req)).replace(/\/+$/, '');
  }

  private callbackUrl(req: Request, provider: string): string {
    return `${this.origin(req)}/auth/oauth/${encodeURIComponent(provider)}/callback`;
  }

  @Post('register')
  @HttpCode(201)
  async register(@Req() req: Request) {
    const body = await readJsonObject(req);
    return this.bus.request(
      AuthSubjects.register,
      {
        email: stringField(body, 'email'),
        password: stringField(body, 'password'),
        displayName: stringField(body, 'displayName'),
        ...clientInfo(req),
      },
      { requestId: requestIdOf(req) },
    );
  }

  @Post('login')
  @HttpCode(200)
  async login(@Req() req: Request) {
    const body = await readJsonObject(req);
    const epoch = this.liveness.issuing();
    const tokens = await this.bus.request(
      AuthSubjects.login,
      {
        email: stringField(body, 'email'),
        password: stringField(body, 'password'),
        ...clientInfo(req),
      },
      { requestId: requestIdOf(req) },
    );
    this.liveness.issued(tokens, epoch);
    return tokens;
  }

  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() req: Request) {
    const body = await readJsonObject(req);
    const epoch = this.liveness.issuing();
    const tokens = await this.bus.request(
      AuthSubjects.refresh,
      { refreshToken: stringField(body, 'refreshToken'), ...clientInfo(req) },
      { requestId: requestIdOf(req) },
    );
    this.liveness.issued(tokens, epoch);
    return tokens;
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  async logout(@CurrentUser() user: AuthUser, @Req() req: Request): Promise<void> {
    await this.bus.request(AuthSubjects.logout, user, { requestId: requestIdOf(req) });
    this.liveness.ended([user.sessionId]);
  }

  @Get('sessions')
  @UseGuards(JwtAuthGuard)
  async sessions(@CurrentUser() user: AuthUser, @Req() req: Request) {
    return this.bus.request(AuthSubjects.listSessions, user, { requestId: requestIdOf(req) });
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  async revoke(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Req() req: Request,
  ): Promise<void> {
    if (!isUuid(id)) throw new DomainException('not_found', 'no such session');
    await this.bus.request(
      AuthSubjects.revokeSession,
      { userId: user.userId, currentSessionId: user.sessionId, sessionId: id },
      { requestId: requestIdOf(req) },
    );
    this.liveness.ended([id]);
  }

  @Get('providers')
  async providers(@Req() req: Request) {
    return this.bus.request(
      AuthSubjects.providers,
      { baseUrl: this.origin(req) },
      { requestId: requestIdOf(req) },
    );
  }

  @Get('oauth/:provider')
  async oauthStart(
    @Param('provider') provider: string,
    @Query('returnTo') returnTo: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { authorizationUrl } = await this.bus.request(
      AuthSubjects.oauthStart,
      {
        provider,
        callbackUrl: this.callbackUrl(req, provider),
        returnTo: typeof returnTo === 'string' ? returnTo : null,
      },
      { requestId: requestIdOf(req) },
    );
    // Binds the login to this browser: the callback must come back with the same state.
    const state = new URL(authorizationUrl).searchParams.get('state') ?? '';
    res.cookie(STATE_COOKIE, state, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.origin(req).startsWith('https:'),
      path: '/auth/oauth',
      maxAge: 10 * 60 * 1000,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, authorizationUrl);
  }

  @Get('oauth/:provider/callback')
  async oauthCallback(
    @Param('provider') provider: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.query)) {
      if (typeof value === 'string') query[key] = value;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.clearCookie(STATE_COOKIE, { path: '/auth/oauth' });
    const started = cookieValue(req, STATE_COOKIE);
    if (!started || !query['state'] || !safeEqual(started, query['state'])) {
      throw new DomainException('unauthenticated', 'this login was not started in this browser');
    }
    const reply = await this.bus.request(
      AuthSubjects.oauthCallback,
      { provider, callbackUrl: this.callbackUrl(req, provider), query, ...clientInfo(req) },
      { requestId: requestIdOf(req) },
    );
    if (reply.returnTo) {
      // Tokens travel in the fragment so they never reach a server log.
      const target = new URL(reply.returnTo);
      target.hash = new URLSearchParams({
        access_token: reply.tokens.accessToken,
        refresh_token: reply.tokens.refreshToken,
        token_type: reply.tokens.tokenType,
        expires_in: String(reply.tokens.expiresIn),
        session_id: reply.tokens.sessionId,
      }).toString();
      res.redirect(302, target.toString());
      return;
    }
    res.status(200).json(reply.tokens);
  }
}

const STATE_COOKIE = 'jchat_oauth_state';

function cookieValue(req: Request, name: string): string | null {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
