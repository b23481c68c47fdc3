import { Controller, Get, Inject, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthUser } from '../../auth/auth-user';
import { CurrentUser, JwtAuthGuard } from '../../auth/jwt-auth.guard';
import { type DropReason, pushStats } from '../../metrics/push-metrics';
import { PUSH_CONFIG, type PushConfig } from '../push-config';
import {
  type CloseReason,
  type PushSession,
  PushSessions,
  type PushTransport,
} from '../push-sessions.service';
import type { PushOutput } from '../push-stream';
import { parseEventSourceParams, type EventSourceParams } from './eventsource-params';

const stats = pushStats.eventsource;

/**
 * One `text/event-stream` response (RFC 8620 §7.3): `state` events carrying the
 * StateChange with the pushState as event id, `typing` events (our extension, when
 * Presence is among the types), and `ping` events after `ping` seconds without any.
 */
class EventSourceStream implements PushTransport {
  private pingTimer: NodeJS.Timeout | null = null;
  session: PushSession | null = null;

  constructor(
    private readonly res: Response,
    private readonly params: EventSourceParams,
    private readonly maxBufferedBytes: number,
  ) {}

  start(): void {
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache, no-store');
    this.res.setHeader('Connection', 'keep-alive');
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.flushHeaders();
    this.res.socket?.setNoDelay(true);
    // A comment line: the stream is open and subscribed.
    this.write(': ok\n\n');
    this.schedulePing();
  }

  emit(output: PushOutput): void {
    switch (output['@type']) {
      case 'StateChange':
        count(this.event('state', JSON.stringify(output), output.pushState));
        if (this.params.closeAfterState) this.session?.close('done');
        return;
      case 'Typing':
        count(this.event('typing', JSON.stringify(output)));
        return;
      case 'MessagePush':
        return;
    }
  }

  close(_reason: CloseReason): void {
    this.stop();
    this.res.end();
  }

  stop(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }

  private event(name: string, data: string, id?: string): DropReason | null {
    const dropped = this.write(
      `event: ${name}\n${id === undefined ? '' : `id: ${id}\n`}data: ${data}\n\n`,
    );
    this.schedulePing();
    return dropped;
  }

  private schedulePing(): void {
    if (this.params.pingSeconds === 0) return;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(
      () => this.event('ping', JSON.stringify({ interval: this.params.pingSeconds })),
      this.params.pingSeconds * 1000,
    );
  }

  /** Writes to the stream; says why it did not, if it did not. */
  private write(text: string): DropReason | null {
    if (this.res.writableEnded || this.res.destroyed) return 'closed';
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.stop();
      this.res.destroy();
      return 'slow';
    }
    this.res.write(text);
    return null;
  }
}

function count(dropped: DropReason | null): void {
  if (dropped === null) stats.sent += 1;
  else stats.dropped[dropped] += 1;
}

@Controller('jmap')
@UseGuards(JwtAuthGuard)
export class EventSourceController {
  constructor(
    private readonly sessions: PushSessions,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
  ) {}

  /** GET /jmap/eventsource?types=&closeafter=&ping= (Bearer header or access_token query). */
  @Get('eventsource')
  async open(
    @CurrentUser() user: AuthUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const params = parseEventSourceParams(req.query);
    const stream = new EventSourceStream(res, params, this.config.PUSH_MAX_BUFFER_BYTES);
    const session = await this.sessions.open(user, stream);
    stream.session = session;
    stats.open += 1;
    const finish = () => {
      stats.open -= 1;
      stream.stop();
      session.end();
    };
    res.once('close', finish);
    if (res.destroyed) {
      res.removeListener('close', finish);
      return finish();
    }
    stream.start();
    const lastEventId = req.get('last-event-id');
    session.enable(
      { dataTypes: params.types, includeMessages: false },
      lastEventId?.trim() || null,
    );
  }
}
