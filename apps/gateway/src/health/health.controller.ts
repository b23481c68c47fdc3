import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { BusClient, HealthSubjects, SERVICE_NAMES, type ServiceName } from '@jchat/contracts';
import { randomToken } from '@jchat/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** 200 only when every domain service answers over NATS; 503 naming the missing ones. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  async health(@Res() res: Response): Promise<void> {
    const probe = randomToken(6);
    const answers = await Promise.all(
      SERVICE_NAMES.map(async (service): Promise<[ServiceName, boolean]> => {
        try {
          await this.bus.request(
            HealthSubjects[service],
            { probe },
            { timeoutMs: this.config.HEALTH_TIMEOUT_MS },
          );
          return [service, true];
        } catch {
          return [service, false];
        }
      }),
    );
    const missing = answers.filter(([, up]) => !up).map(([service]) => service);
    const services = Object.fromEntries(
      answers.map(([service, up]) => [service, up ? 'up' : 'down']),
    );
    res
      .status(missing.length === 0 ? 200 : 503)
      .json(
        missing.length === 0
          ? { status: 'ok', services }
          : { status: 'unavailable', services, missing },
      );
  }
}
