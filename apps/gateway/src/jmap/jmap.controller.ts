import { Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, JwtAuthGuard } from '../auth/jwt-auth.guard';
import { readBodyText } from '../http/read-body';
import { requestIdOf, requestOrigin } from '../http/request-info';
import { JmapApiService } from './jmap-api.service';
import { JmapSessionService } from './jmap-session.service';

@Controller()
@UseGuards(JwtAuthGuard)
export class JmapController {
  constructor(
    private readonly api: JmapApiService,
    private readonly sessions: JmapSessionService,
  ) {}

  @Get('.well-known/jmap')
  async session(
    @CurrentUser() user: AuthUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const session = await this.sessions.session(user.userId, requestOrigin(req), requestIdOf(req));
    res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
    res.json(session);
  }

  @Post('jmap/api')
  @HttpCode(200)
  async call(
    @CurrentUser() user: AuthUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const body = await readBodyText(req, this.sessions.coreCapability().maxSizeRequest);
    const response = await this.api.handle(
      body,
      user,
      requestIdOf(req),
      this.sessions.sessionState(user.userId),
    );
    res.json(response);
  }
}
