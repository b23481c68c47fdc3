import type { Server } from 'node:http';
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { InFlight, scrapedGauge, within } from '@jchat/common';
import { PushSessions } from '../push/push-sessions.service';
import { WsServer } from '../push/ws/ws-server.service';

const requests = new InFlight();
/** Responses being made, to ask their clients to close when a drain starts. */
const responses = new Set<Response>();

scrapedGauge(
  {
    name: 'jchat_http_requests_in_flight',
    help: 'HTTP requests the gateway is handling (open EventSource streams included)',
    labelNames: [] as const,
  },
  () => [[{}, requests.count]],
);

/**
 * The gateway's graceful stop: no new connections; WebSockets told to reconnect (1012, once
 * the requests they run are answered); EventSource streams ended; HTTP requests in flight
 * finished, for at most the grace period.
 */
@Injectable()
export class GatewayDrainService {
  private stopping = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: PushSessions,
    private readonly ws: WsServer,
  ) {}

  /** While draining, the gateway is not ready (/health/ready answers 503). */
  get isStopping(): boolean {
    return this.stopping;
  }

  /**
   * Express middleware counting each request until its response is done. During a drain, a
   * response asks the client to close its connection (and so to reconnect, elsewhere).
   */
  readonly track = (_req: Request, res: Response, next: NextFunction): void => {
    const end = requests.begin();
    responses.add(res);
    res.once('close', () => {
      responses.delete(res);
      end();
    });
    if (this.stopping) res.setHeader('Connection', 'close');
    next();
  };

  /** Resolves true when everything finished within graceMs, false when time ran out first. */
  async drain(graceMs: number): Promise<boolean> {
    this.stopping = true;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.close(); // stops listening; idle keep-alive connections close now
    for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    this.sessions.closeAll('restart');
    const done = await within(Promise.all([requests.idle(), this.ws.allClosed()]), graceMs);
    server.closeAllConnections();
    return done;
  }
}
