import 'reflect-metadata';
import { loadServiceConfig, runMain, startService } from '@jchat/contracts';
import { PresenceModule } from './presence.module';

runMain('presence', async () => {
  const config = loadServiceConfig();
  await startService('presence', PresenceModule.forRoot(config), config.NATS_URL);
});
