import 'reflect-metadata';
import { runMain, startService } from '@jchat/bus';
import { AuthModule } from './auth.module';
import { loadAuthConfig } from './config';

runMain('auth', async () => {
  const config = loadAuthConfig();
  await startService('auth', AuthModule.forRoot(config), config);
});
