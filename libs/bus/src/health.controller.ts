import { Controller, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { hostname } from 'node:os';
import { runHealthProbes } from '@jchat/common';
import { subjectOf } from '@jchat/contracts';
import { type HealthReply, HealthSubjects } from '@jchat/contracts';
import type { ServiceName } from '@jchat/contracts';

/** How long each store check may take: the gateway's probe waits about a second in all. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * The health responder every service mounts; the gateway's /health/ready asks all five. The
 * reply says whether this replica's PostgreSQL, Redis and NATS (JetStream) connections work.
 */
export function healthController(service: ServiceName): Type<unknown> {
  const started = Date.now();
  const instance = `${hostname()}:${process.pid}`;

  @Controller()
  class HealthController {
    @MessagePattern(subjectOf(HealthSubjects[service]))
    async health(): Promise<HealthReply> {
      return {
        service,
        instance,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        checks: await runHealthProbes(PROBE_TIMEOUT_MS),
      };
    }
  }
  return HealthController;
}
