import {
  type DynamicModule,
  type INestMicroservice,
  type LoggerService,
  type Type,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';
import {
  ConfigError,
  createLogger,
  hasHealthProbe,
  onShutdownSignal,
  probeReadiness,
  registerHealthProbe,
  runDrainSteps,
  startObservabilityServer,
  startProcessMetrics,
  within,
  type ObservabilityServer,
} from '@jchat/common';
import { DomainException, type ServiceName } from '@jchat/contracts';
import { CarryingNatsServer } from './carrying-nats-server';
import { RpcExceptionFilter } from './rpc-exception.filter';

/** What startService needs of a service's config (every service's config has it). */
export interface ServiceRuntimeConfig {
  NATS_URL: string;
  OBSERVABILITY_PORT: number;
  OBSERVABILITY_HOST: string | undefined;
  SHUTDOWN_GRACE_MS: number;
}

/** After the grace period, closing the stores may take this long before the process just exits. */
const CLOSE_LIMIT_MS = 5000;

/**
 * Starts a domain service as a NATS microservice in its own queue group, so
 * replicas share the load. A bad config or unreachable dependency ends the
 * process with the reason, never a half-started service. Requests and replies larger than one
 * NATS message travel staged (see staged-payloads.ts). With OBSERVABILITY_PORT, it serves
 * /metrics, /health and /health/ready there. SIGTERM shuts it down gracefully (see drain).
 */
export async function startService(
  service: ServiceName,
  module: Type<unknown> | DynamicModule,
  config: ServiceRuntimeConfig,
): Promise<INestMicroservice> {
  const logger = createLogger(service);
  startProcessMetrics(service);
  const server = new CarryingNatsServer({
    servers: [config.NATS_URL],
    queue: service,
    noAsyncTraces: true,
  });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    strategy: server,
    logger,
  });
  app.useGlobalFilters(new RpcExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // A bad payload is the caller's error, answered as such (not `internal`).
      exceptionFactory: (errors) =>
        new DomainException(
          'invalid_argument',
          errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; ') ||
            'invalid payload',
        ),
    }),
  );
  await app.listen();
  // A service without JetStream (auth) still reports whether its NATS connection works.
  if (!hasHealthProbe('nats')) {
    registerHealthProbe('nats', () => server.unwrap<NatsConnection>().flush());
  }
  let stopping = false;
  const observability =
    config.OBSERVABILITY_PORT > 0
      ? await startObservabilityServer({
          port: config.OBSERVABILITY_PORT,
          host: config.OBSERVABILITY_HOST,
          readiness: () => probeReadiness(stopping),
        })
      : null;
  onShutdownSignal({
    logger,
    hardLimitMs: config.SHUTDOWN_GRACE_MS + 2 * CLOSE_LIMIT_MS,
    shutdown: async () => {
      stopping = true;
      await drain(server, config.SHUTDOWN_GRACE_MS, logger);
      await close(app, observability);
    },
  });
  logger.log(
    `${service} service listening on NATS ${config.NATS_URL}` +
      (observability ? `; metrics on port ${observability.port}` : ''),
  );
  return app;
}

/**
 * Takes no new requests or events, then waits (at most graceMs) for the requests being handled
 * to be answered and the events being handled to be acked. Stores stay open meanwhile.
 */
async function drain(server: CarryingNatsServer, graceMs: number, logger: LoggerService) {
  const steps = Promise.all([
    server.stopTakingRequests().then(() => server.idle()),
    runDrainSteps(),
  ]);
  if (await within(steps, graceMs)) {
    logger.log('drained: no request or event in flight');
  } else {
    logger.warn(`still ${server.inFlightCount} request(s) in flight after ${graceMs} ms: stopping`);
  }
}

/** Module teardown (stores, timers, NATS connections), then the observability server. */
async function close(app: INestMicroservice, observability: ObservabilityServer | null) {
  await within(app.close(), CLOSE_LIMIT_MS);
  await observability?.close();
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
