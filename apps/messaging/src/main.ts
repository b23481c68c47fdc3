import 'reflect-metadata';
import { runMain, startService } from '@jchat/bus';
import { loadMessagingConfig } from './config';
import { MessagingModule } from './messaging.module';

runMain('messaging', async () => {
  const config = loadMessagingConfig();
  await startService('messaging', MessagingModule.forRoot(config), config);
});
