import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HealthProbeName, type ProbeState, runHealthProbes } from '../health-probes';
import { metricsText } from './metrics';

export interface Readiness {
  ready: boolean;
  body: Record<string, unknown>;
}

export interface ObservabilityServerOptions {
  port: number;
  /** Default: every interface (a scraper or kubelet reaches it from outside the process's host). */
  host?: string;
  /** The answer of /health/ready. */
  readiness: () => Promise<Readiness>;
}

export interface ObservabilityServer {
  readonly port: number;
  close(): Promise<void>;
}

/** How long each store check of /health/ready may take. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * Readiness from this process's own store checks (registerHealthProbe): ready when every one
 * is up, else the failing ones are named. While the process shuts down it is not ready.
 */
export async function probeReadiness(stopping: boolean): Promise<Readiness> {
  if (stopping) return { ready: false, body: { status: 'stopping' } };
  const checks: Partial<Record<HealthProbeName, ProbeState>> =
    await runHealthProbes(PROBE_TIMEOUT_MS);
  const failing = Object.entries(checks)
    .filter(([, state]) => state !== 'up')
    .map(([name]) => name);
  return failing.length === 0
    ? { ready: true, body: { status: 'ok', checks } }
    : { ready: false, body: { status: 'unavailable', checks, failing } };
}

/**
 * A small HTTP server beside the app (OBSERVABILITY_PORT): `GET /metrics` (Prometheus text),
 * `GET /health` (liveness: answers while the event loop runs), `GET /health/ready`.
 * Nothing else, and no authentication: keep the port off public networks.
 */
export async function startObservabilityServer(
  options: ObservabilityServerOptions,
): Promise<ObservabilityServer> {
  const server = createServer((req, res) => {
    route(req, res, options).catch((error: unknown) => {
      if (!res.headersSent)
        send(
          res,
          500,
          'application/json',
          JSON.stringify({ error: 'internal', message: String(error) }),
        );
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  options: ObservabilityServerOptions,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'application/json', JSON.stringify({ error: 'method_not_allowed' }));
  }
  switch (path) {
    case '/metrics': {
      const { contentType, body } = await metricsText();
      return send(res, 200, contentType, body);
    }
    case '/health':
      return send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
    case '/health/ready': {
      const { ready, body } = await options.readiness();
      return send(res, ready ? 200 : 503, 'application/json', JSON.stringify(body));
    }
    default:
      return send(res, 404, 'application/json', JSON.stringify({ error: 'not_found' }));
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
