import 'reflect-metadata';
import { loadServiceConfig, runMain, startService } from '@jchat/contracts';
import { RbacModule } from './rbac.module';

runMain('rbac', async () => {
  const config = loadServiceConfig();
  await startService('rbac', RbacModule.forRoot(config), config.NATS_URL);
});
