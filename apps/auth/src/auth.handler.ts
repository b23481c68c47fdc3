import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ContractPayload } from '@jchat/bus';
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
  register(@ContractPayload(AuthSubjects.register) req: RegisterRequest) {
    return this.users.register(req, req);
  }

  @MessagePattern(subjectOf(AuthSubjects.profile))
  profile(@ContractPayload(AuthSubjects.profile) req: { userId: string }) {
    return this.users.profile(req.userId);
  }

  @MessagePattern(subjectOf(AuthSubjects.login))
  login(@ContractPayload(AuthSubjects.login) req: LoginRequest) {
    return this.sessions.login(req.email, req.password, req);
  }

  @MessagePattern(subjectOf(AuthSubjects.refresh))
  refresh(@ContractPayload(AuthSubjects.refresh) req: RefreshRequest) {
    return this.sessions.refresh(req.refreshToken);
  }

  @MessagePattern(subjectOf(AuthSubjects.logout))
  async logout(@ContractPayload(AuthSubjects.logout) req: SessionRef) {
    await this.sessions.revoke(req.userId, req.sessionId);
    return {};
  }

  @MessagePattern(subjectOf(AuthSubjects.listSessions))
  async listSessions(@ContractPayload(AuthSubjects.listSessions) req: SessionRef) {
    return { sessions: await this.sessions.list(req.userId, req.sessionId) };
  }

  @MessagePattern(subjectOf(AuthSubjects.revokeSession))
  async revokeSession(@ContractPayload(AuthSubjects.revokeSession) req: RevokeSessionRequest) {
    await this.sessions.revokeOther(req.userId, req.sessionId);
    return {};
  }

  @MessagePattern(subjectOf(AuthSubjects.checkSession))
  async checkSession(@ContractPayload(AuthSubjects.checkSession) req: SessionRef) {
    return { live: await this.sessions.isLive(req.userId, req.sessionId) };
  }

  @MessagePattern(subjectOf(AuthSubjects.providers))
  providers(@ContractPayload(AuthSubjects.providers) req: { baseUrl: string }) {
    return { providers: this.oauth.list(req.baseUrl) };
  }

  @MessagePattern(subjectOf(AuthSubjects.oauthStart))
  async oauthStart(@ContractPayload(AuthSubjects.oauthStart) req: OAuthStartRequest) {
    return {
      authorizationUrl: await this.oauth.start(req.provider, req.callbackUrl, req.returnTo),
    };
  }

  @MessagePattern(subjectOf(AuthSubjects.oauthCallback))
  oauthCallback(@ContractPayload(AuthSubjects.oauthCallback) req: OAuthCallbackRequest) {
    return this.oauth.callback(req.provider, req.callbackUrl, req.query, req);
  }
}
