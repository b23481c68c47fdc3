// `jchat healthcheck`: the image's HEALTHCHECK. Exits 0 when the app running in this container
// is ready: GET /health/ready on the gateway's PORT, or on OBSERVABILITY_PORT for a service.
// A service built without the observability endpoints (connection refused on that port) is
// asked over NATS instead: its health subject, answered by a replica of the service with the
// state of its PostgreSQL, Redis and NATS connections.
'use strict';
const fs = require('node:fs');
const http = require('node:http');

const APPS = ['gateway', 'auth', 'conversations', 'messaging', 'presence', 'rbac'];
const TIMEOUT_MS = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 4000);

/** The app of this container: $APP, else the argument PID 1 (tini -- jchat APP) was given. */
function appOfContainer() {
  if (APPS.includes(process.env.APP)) return process.env.APP;
  try {
    const argv = fs.readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    return argv.find((arg) => APPS.includes(arg));
  } catch {
    return undefined;
  }
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    request.on('error', reject);
  });
}

async function overNats(app) {
  const { connect, JSONCodec } = require('nats');
  const json = JSONCodec();
  const prefix = (process.env.JCHAT_PREFIX || '').trim() || 'jchat';
  const subject = `${prefix}.${app}.health.v1`;
  const nc = await connect({
    servers: process.env.NATS_URL || 'nats://127.0.0.1:4222',
    timeout: TIMEOUT_MS,
    name: `${app}-healthcheck`,
  });
  try {
    // The framing of @nestjs/microservices' NATS transport.
    const message = await nc.request(
      subject,
      json.encode({ pattern: subject, data: { probe: 'healthcheck' }, id: `hc-${process.pid}` }),
      { timeout: TIMEOUT_MS },
    );
    const reply = json.decode(message.data);
    const checks = reply.response?.checks ?? {};
    const down = Object.entries(checks).filter(([, state]) => state !== 'up');
    return { ok: !reply.err && down.length === 0, detail: JSON.stringify(reply.response ?? reply) };
  } finally {
    await nc.close();
  }
}

async function main() {
  const app = appOfContainer();
  if (!app) {
    console.log('healthy: no app runs here (migrate or a one-off command)');
    return 0;
  }
  const port = Number(
    app === 'gateway' ? process.env.PORT || 8080 : process.env.OBSERVABILITY_PORT,
  );
  if (port) {
    try {
      const { status, body } = await get(port, '/health/ready');
      console.log(`${app}: GET :${port}/health/ready ${status} ${body.slice(0, 300)}`);
      return status === 200 ? 0 : 1;
    } catch (error) {
      if (app === 'gateway' || error.code !== 'ECONNREFUSED') {
        console.log(`${app}: GET :${port}/health/ready failed: ${error.message}`);
        return 1;
      }
    }
  }
  const { ok, detail } = await overNats(app);
  console.log(
    `${app}: no HTTP health on port ${port || '(OBSERVABILITY_PORT unset)'}; over NATS: ${detail}`,
  );
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.log(`unhealthy: ${error.message}`);
    process.exit(1);
  },
);
