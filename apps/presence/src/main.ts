import 'reflect-metadata';
import { runMain, startService } from '@jchat/bus';
import { loadPresenceConfig } from './config';
import { PresenceModule } from './presence.module';

runMain('presence', async () => {
  const config = loadPresenceConfig();
  await startService('presence', PresenceModule.forRoot(config), config);
});
