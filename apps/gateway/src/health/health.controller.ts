import { Controller, Get, Inject, Res } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Response } from 'express';
import { HealthSubjects, SERVICE_NAMES, type ServiceName } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import { randomToken, runHealthProbes, type HealthProbeName, type ProbeState } from '@jchat/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayDrainService } from '../lifecycle/gateway-drain.service';

type Checks = Partial<Record<HealthProbeName, ProbeState>>;

interface ServiceHealth {
  status: 'up' | 'down';
  /** The replica that answered (host:pid): which one of a scaled service served the probe. */
  instance?: string;
  /** Why it is down: no answer, or which of its own connections fail. */
  reason?: string;
  checks?: Checks;
}

const failing = (checks: Checks): string[] =>
  Object.entries(checks)
    .filter(([, state]) => state !== 'up')
    .map(([name]) => name);

/**
 * `/health` is liveness: the gateway process serves HTTP (a supervisor restarts it otherwise).
 * `/health/ready` is readiness: 200 only when every domain service answers over NATS and each
 * one's PostgreSQL, Redis and NATS connections work, as do the gateway's own; 503 naming what
 * is missing, or `stopping` while the gateway shuts down.
 */
@Controller('health')
export class HealthController {
  private readonly instance = `${hostname()}:${process.pid}`;

  constructor(
    private readonly bus: BusClient,
    private readonly drain: GatewayDrainService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    if (this.drain.isStopping) {
      res.status(503).json({ status: 'stopping', missing: ['gateway'] });
      return;
    }
    const [gatewayChecks, ...answers] = await Promise.all([
      runHealthProbes(this.config.HEALTH_TIMEOUT_MS),
      ...SERVICE_NAMES.map(async (service) => [service, await this.probe(service)] as const),
    ]);
    const services = Object.fromEntries(answers) as Record<ServiceName, ServiceHealth>;
    const missing: string[] = answers
      .filter(([, health]) => health.status === 'down')
      .map(([service]) => service);
    const gatewayFailing = failing(gatewayChecks);
    if (gatewayFailing.length > 0) missing.push('gateway');
    const ok = missing.length === 0;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'unavailable',
      services,
      gateway: {
        status: gatewayFailing.length ? 'down' : 'up',
        instance: this.instance,
        checks: gatewayChecks,
      },
      ...(ok ? {} : { missing }),
    });
  }

  private async probe(service: ServiceName): Promise<ServiceHealth> {
    try {
      const reply = await this.bus.request(
        HealthSubjects[service],
        { probe: randomToken(6) },
        { timeoutMs: this.config.HEALTH_TIMEOUT_MS },
      );
      const checks = reply.checks ?? {};
      const down = failing(checks);
      const instance = reply.instance;
      return down.length === 0
        ? { status: 'up', instance, checks }
        : { status: 'down', instance, reason: `${down.join(', ')} unreachable`, checks };
    } catch {
      return { status: 'down', reason: 'no answer over NATS' };
    }
  }
}
