// CPU profiles of JCHAT's apps under load (NODE_OPTIONS cannot carry --cpu-prof):
//   NODE_OPTIONS="--require ./scripts/profile-preload.cjs" npm run bench -- chat-load --only w2
// then `kill -USR2 <pid>` of an app starts its profile; a second SIGUSR2, or the SIGTERM that
// stops it, writes <JCHAT_PROFILE_DIR or the OS temp dir>/<app>-<pid>.cpuprofile (open it in
// Chrome's DevTools). Processes that are not apps/<name> ignore it.
const inspector = require('node:inspector');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const app = /dist\/apps\/([a-z-]+)\//.exec(process.argv.join(' '))?.[1];
if (app) {
  const session = new inspector.Session();
  session.connect();
  let running = false;
  const stop = () => {
    if (!running) return;
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      const dir = process.env.JCHAT_PROFILE_DIR || os.tmpdir();
      const file = path.join(dir, `${app}-${process.pid}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  };
  process.on('SIGUSR2', () => {
    if (running) return stop();
    running = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 1000 }, () =>
        session.post('Profiler.start'),
      ),
    );
  });
  process.prependListener('SIGTERM', stop);
  process.prependListener('SIGINT', stop);
}
