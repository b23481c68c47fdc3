import { provideServers } from '/work/main/scripts/lib/infra.mjs';
const s = await provideServers({ mode: 'start', rootDir: '/tmp/jchat-start-test', log: (l) => console.log('[infra]', l) });
console.log('up'); process.kill(process.pid, 'SIGKILL');
