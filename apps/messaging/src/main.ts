import 'reflect-metadata';
import { loadServiceConfig, runMain, startService } from '@jchat/contracts';
import { MessagingModule } from './messaging.module';

runMain('messaging', async () => {
  const config = loadServiceConfig();
  await startService('messaging', MessagingModule.forRoot(config), config.NATS_URL);
});
