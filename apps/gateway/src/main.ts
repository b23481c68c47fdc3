import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  createLogger,
  debugLogging,
  onShutdownSignal,
  probeReadiness,
  startObservabilityServer,
  startProcessMetrics,
  within,
} from '@jchat/common';
import { runMain } from '@jchat/bus';
import { loadGatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import { loadPushConfig } from './push/push-config';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { accessLogMiddleware } from './http/access-log.middleware';
import { requestIdMiddleware } from './http/request-id.middleware';
import { GatewayDrainService } from './lifecycle/gateway-drain.service';

/** After the grace period, closing connections and stores may take this long. */
const CLOSE_LIMIT_MS = 5000;

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  loadPushConfig(); // a bad push setting stops the start here, named, like the rest
  const logger = createLogger('gateway');
  startProcessMetrics('gateway');
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), {
    bodyParser: false,
    logger,
  });
  const drain = app.get(GatewayDrainService);
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(drain.track);
  app.use(requestIdMiddleware);
  if (debugLogging()) app.use(accessLogMiddleware);
  app.useGlobalFilters(new HttpExceptionFilter());
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  // The same /metrics as on PORT, plus /health and /health/ready of the gateway's own stores.
  const observability =
    config.OBSERVABILITY_PORT > 0
      ? await startObservabilityServer({
          port: config.OBSERVABILITY_PORT,
          host: config.OBSERVABILITY_HOST,
          readiness: () => probeReadiness(drain.isStopping),
        })
      : null;
  onShutdownSignal({
    logger,
    hardLimitMs: config.SHUTDOWN_GRACE_MS + 2 * CLOSE_LIMIT_MS,
    shutdown: async () => {
      const drained = await drain.drain(config.SHUTDOWN_GRACE_MS);
      if (drained) logger.log('drained: every request answered, every push connection closed');
      else logger.warn(`requests still running after ${config.SHUTDOWN_GRACE_MS} ms: stopping`);
      await within(app.close(), CLOSE_LIMIT_MS);
      await observability?.close();
    },
  });
  logger.log(
    `JCHAT gateway listening on http://${config.HOST}:${port}` +
      (observability ? `; metrics also on port ${observability.port}` : ''),
  );
});
