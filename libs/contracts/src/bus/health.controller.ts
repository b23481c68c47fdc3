import { Controller, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { hostname } from 'node:os';
import { subjectOf } from '../contract';
import { type HealthReply, HealthSubjects } from '../health.contract';
import type { ServiceName } from '../services';

/** The health responder every service mounts; the gateway's /health asks all five. */
export function healthController(service: ServiceName): Type<unknown> {
  const started = Date.now();
  const instance = `${hostname()}:${process.pid}`;

  @Controller()
  class HealthController {
    @MessagePattern(subjectOf(HealthSubjects[service]))
    health(): HealthReply {
      return { service, instance, uptimeSeconds: Math.round((Date.now() - started) / 1000) };
    }
  }
  return HealthController;
}
