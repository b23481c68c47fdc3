import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger } from '@jchat/common';
import { runMain } from '@jchat/contracts';
import { loadGatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import { loadPushConfig } from './push/push-config';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { requestIdMiddleware } from './http/request-id.middleware';

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  loadPushConfig(); // a bad push setting stops the start here, named, like the rest
  const logger = createLogger('gateway');
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), {
    bodyParser: false,
    logger,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(requestIdMiddleware);
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.log(`JCHAT gateway listening on http://${config.HOST}:${port}`);
});
