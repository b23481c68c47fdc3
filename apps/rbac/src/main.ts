import 'reflect-metadata';
import { runMain, startService } from '@jchat/bus';
import { loadRbacConfig } from './config';
import { RbacModule } from './rbac.module';

runMain('rbac', async () => {
  const config = loadRbacConfig();
  await startService('rbac', RbacModule.forRoot(config), config);
});
