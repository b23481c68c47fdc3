import 'reflect-metadata';
import { loadServiceConfig, runMain, startService } from '@jchat/contracts';
import { ConversationsModule } from './conversations.module';

runMain('conversations', async () => {
  const config = loadServiceConfig();
  await startService('conversations', ConversationsModule.forRoot(config), config.NATS_URL);
});
