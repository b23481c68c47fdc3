import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AuthSubjects,
  type LoginRequest,
  type OAuthCallbackRequest,
  type OAuthStartRequest,
  type RefreshRequest,
  type RegisterRequest,
  type RevokeSessionRequest,
  type SessionRef,
  subjectOf,
} from '@jchat/contracts';
import { OAuthService } from './oauth/oauth.service';
import { SessionsService } from './sessions/sessions.service';
import { UsersService } from './users/users.service';

/** NATS entry points of the auth service; one method per AuthSubjects contract. */
@Controller()
export class AuthHandler {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly oauth: OAuthService,
  ) {}

  @MessagePattern(subjectOf(AuthSubjects.register))
  register(@Payload() req: RegisterRequest) {
    return this.users.register(req, req);
  }

  @MessagePattern(subjectOf(AuthSubjects.profile))
  profile(@Payload() req: { userId: string }) {
    return this.users.profile(req.userId);
  }

  @MessagePattern(subjectOf(AuthSubjects.login))
  login(@Payload() req: LoginRequest) {
    return this.sessions.login(req.email, req.password, req);
  }

  @MessagePattern(subjectOf(AuthSubjects.refresh))
  refresh(@Payload() req: RefreshRequest) {
    return this.sessions.refresh(req.refreshToken);
  }

  @MessagePattern(subjectOf(AuthSubjects.logout))
  async logout(@Payload() req: SessionRef) {
    await this.sessions.revoke(req.userId, req.sessionId);
    return {};
  }

  @MessagePattern(subjectOf(AuthSubjects.listSessions))
  async listSessions(@Payload() req: SessionRef) {
    return { sessions: await this.sessions.list(req.userId, req.sessionId) };
  }

  @MessagePattern(subjectOf(AuthSubjects.revokeSession))
  async revokeSession(@Payload() req: RevokeSessionRequest) {
    await this.sessions.revokeOther(req.userId, req.sessionId);
    return {};
  }

  @MessagePattern(subjectOf(AuthSubjects.checkSession))
  async checkSession(@Payload() req: SessionRef) {
    return { live: await this.sessions.isLive(req.userId, req.sessionId) };
  }

  @MessagePattern(subjectOf(AuthSubjects.providers))
  providers(@Payload() req: { baseUrl: string }) {
    return { providers: this.oauth.list(req.baseUrl) };
  }

  @MessagePattern(subjectOf(AuthSubjects.oauthStart))
  async oauthStart(@Payload() req: OAuthStartRequest) {
    return {
      authorizationUrl: await this.oauth.start(req.provider, req.callbackUrl, req.returnTo),
    };
  }

  @MessagePattern(subjectOf(AuthSubjects.oauthCallback))
  oauthCallback(@Payload() req: OAuthCallbackRequest) {
    return this.oauth.callback(req.provider, req.callbackUrl, req.query, req);
  }
}
