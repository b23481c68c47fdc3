import 'reflect-metadata';
import { runMain, startService } from '@jchat/bus';
import { loadConversationsConfig } from './config';
import { ConversationsModule } from './conversations.module';

runMain('conversations', async () => {
  const config = loadConversationsConfig();
  await startService('conversations', ConversationsModule.forRoot(config), config);
});
