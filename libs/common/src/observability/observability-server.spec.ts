import { registerHealthProbe } from '../health-probes';
import { Counter } from './metrics';
import {
  type ObservabilityServer,
  probeReadiness,
  startObservabilityServer,
} from './observability-server';

describe('the observability server', () => {
  let server: ObservabilityServer;
  let stopping = false;
  const unregister: (() => void)[] = [];
  const base = () => `http://127.0.0.1:${server.port}`;

  beforeAll(async () => {
    server = await startObservabilityServer({
      port: 0,
      host: '127.0.0.1',
      readiness: () => probeReadiness(stopping),
    });
  });

  afterEach(() => {
    for (const drop of unregister.splice(0)) drop();
    stopping = false;
  });

  afterAll(async () => {
    await server.close();
  });

  it('serves the metrics of the process in the Prometheus text format', async () => {
    new Counter({ name: 'jchat_test_things_total', help: 'things' }).inc(3);
    const response = await fetch(`${base()}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toMatch(/^jchat_test_things_total 3$/m);
  });

  it('answers liveness while the event loop runs', async () => {
    const response = await fetch(`${base()}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when every store check passes, else 503 naming the failing ones', async () => {
    unregister.push(registerHealthProbe('postgres', async () => 1));
    unregister.push(registerHealthProbe('redis', async () => 'PONG'));
    let response = await fetch(`${base()}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      checks: { postgres: 'up', redis: 'up' },
    });

    unregister.push(
      registerHealthProbe('redis', async () => {
        throw new Error('ECONNREFUSED');
      }),
    );
    response = await fetch(`${base()}/health/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'unavailable',
      checks: { postgres: 'up', redis: 'down' },
      failing: ['redis'],
    });
  });

  it('is not ready while the process shuts down', async () => {
    stopping = true;
    const response = await fetch(`${base()}/health/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'stopping' });
  });

  it('serves nothing else', async () => {
    expect((await fetch(`${base()}/jmap/api`)).status).toBe(404);
    expect((await fetch(`${base()}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
