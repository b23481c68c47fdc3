import {
  type DynamicModule,
  type INestMicroservice,
  type Type,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { ConfigError, createLogger } from '@jchat/common';
import type { ServiceName } from '../services';
import { CarryingNatsServer } from './carrying-nats-server';
import { RpcExceptionFilter } from './rpc-exception.filter';

/**
 * Starts a domain service as a NATS microservice in its own queue group, so
 * replicas share the load. A bad config or unreachable dependency ends the
 * process with the reason, never a half-started service. Requests and replies larger than one
 * NATS message travel staged (see staged-payloads.ts).
 */
export async function startService(
  service: ServiceName,
  module: Type<unknown> | DynamicModule,
  natsUrl: string,
): Promise<INestMicroservice> {
  const logger = createLogger(service);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    strategy: new CarryingNatsServer({ servers: [natsUrl], queue: service }),
    logger,
  });
  app.useGlobalFilters(new RpcExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.enableShutdownHooks();
  await app.listen();
  logger.log(`${service} service listening on NATS ${natsUrl}`);
  return app;
}

/** Entry point wrapper: prints config problems plainly and exits non-zero. */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(`${service}: ${error.message}`);
    } else {
      console.error(`${service}: failed to start:`, error);
    }
    process.exit(1);
  });
}
