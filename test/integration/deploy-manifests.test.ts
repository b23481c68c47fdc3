// The deployment files, checked without Docker or a cluster (issue 12): every Kustomize overlay
// renders (`kubectl kustomize`, when kubectl is installed) and each object validates against the
// Kubernetes schemas shipped by kubernetes-models (offline, ajv-compiled from Kubernetes' OpenAPI);
// the probes, security contexts, autoscalers, disruption budgets, grace periods and the Ingress
// are as README's Deploy section says; and every setting an app requires (read from the apps'
// own config declarations) is provided by docker-compose.yml and by the manifests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { Setting } from '@jchat/common';
import { authSettings } from '../../apps/auth/src/config';
import { conversationsSettings } from '../../apps/conversations/src/config';
import { gatewaySettings } from '../../apps/gateway/src/config';
import { pushSettings } from '../../apps/gateway/src/push/push-config';
import { messagingSettings } from '../../apps/messaging/src/config';
import { presenceSettings } from '../../apps/presence/src/config';
import { rbacSettings } from '../../apps/rbac/src/config';

const root = path.resolve(__dirname, '..', '..');
const APPS = ['gateway', 'auth', 'conversations', 'messaging', 'presence', 'rbac'] as const;
type App = (typeof APPS)[number];

const SETTINGS: Record<App, Record<string, Setting<unknown>>> = {
  gateway: { ...gatewaySettings, ...pushSettings },
  auth: authSettings,
  conversations: conversationsSettings,
  messaging: messagingSettings,
  presence: presenceSettings,
  rbac: rbacSettings,
};

const LOOPBACK = /(^|\/\/|@)(127\.0\.0\.1|localhost|\[?::1\]?)([:/]|$)/;

/**
 * The settings a deployment must give an app: those without a default (the app refuses to
 * start without them), and those whose default names the loopback interface (right for
 * `npm start` on one machine, wrong in a container: the servers are elsewhere, and a gateway
 * listening on 127.0.0.1 cannot be reached).
 */
function requiredSettings(app: App): string[] {
  return Object.entries(SETTINGS[app])
    .filter(([, setting]) => {
      const parsed = setting.parse(undefined);
      if ('problem' in parsed) return true;
      return typeof parsed.value === 'string' && LOOPBACK.test(parsed.value);
    })
    .map(([name]) => name)
    .sort();
}

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [field: string]: any;
};

// ---------------------------------------------------------------- rendering the overlays

const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((file) => fs.existsSync(file));

/** A copy of k8s/ whose overlays have the secrets.env their examples describe. */
function k8sWithSecrets(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jchat-k8s-'));
  fs.cpSync(path.join(root, 'k8s'), path.join(dir, 'k8s'), { recursive: true });
  for (const overlay of fs.readdirSync(path.join(dir, 'k8s', 'overlays'))) {
    const base = path.join(dir, 'k8s', 'overlays', overlay);
    if (fs.existsSync(path.join(base, 'secrets.env.example'))) {
      fs.copyFileSync(path.join(base, 'secrets.env.example'), path.join(base, 'secrets.env'));
    }
  }
  return dir;
}

function render(dir: string): K8sObject[] {
  const result = spawnSync(kubectl!, ['kustomize', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${result.stderr}`);
  const objects = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as K8sObject);
  for (const object of objects) {
    // Kustomize folds long base64 values over lines, which Kubernetes decodes (Go's base64
    // skips newlines) but the schema's "byte" format does not allow: unfold them.
    if (object.kind === 'Secret' && object.data) {
      for (const key of Object.keys(object.data)) {
        object.data[key] = String(object.data[key]).replace(/\s+/g, '');
      }
    }
  }
  return objects;
}

/** The model class of kubernetes-models for an object (e.g. apps/v1 Deployment). */
function modelOf(object: K8sObject): new (data: unknown) => { validate(): void } {
  const group = require(`kubernetes-models/${object.apiVersion}`) as Record<string, any>;
  const model = group[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

function schemaErrors(objects: K8sObject[]): string[] {
  const errors: string[] = [];
  for (const object of objects) {
    try {
      const Model = modelOf(object);
      new Model(object).validate();
    } catch (error) {
      errors.push(`${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

/** ConfigMap and Secret contents by (hashed) name. */
function dataOf(objects: K8sObject[], kind: 'ConfigMap' | 'Secret', name: string) {
  const object = named(objects, kind, name);
  const data: Record<string, string> = { ...object.data, ...object.stringData };
  if (kind === 'Secret' && object.data) {
    for (const [key, value] of Object.entries(object.data as Record<string, string>)) {
      data[key] = Buffer.from(value, 'base64').toString('utf8');
    }
  }
  return data;
}

/** The settings a container is given: plain values, ConfigMap keys and Secret keys. */
function containerEnv(objects: K8sObject[], container: any): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      for (const [key, value] of Object.entries(
        dataOf(objects, 'ConfigMap', source.configMapRef.name),
      )) {
        env.set(key, value);
      }
    }
    if (source.secretRef) {
      for (const [key, value] of Object.entries(dataOf(objects, 'Secret', source.secretRef.name))) {
        env.set(key, value);
      }
    }
  }
  for (const entry of container.env ?? []) {
    if ('value' in entry) env.set(entry.name, String(entry.value));
    const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
    if (ref) {
      const kind = entry.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
      const data = dataOf(objects, kind, ref.name);
      // A required setting read from a key the object lacks would fail the pod's start.
      if (!(ref.key in data) && !ref.optional) {
        throw new Error(
          `${container.name}: ${entry.name} reads ${kind} ${ref.name} key ${ref.key}, absent`,
        );
      }
      env.set(entry.name, data[ref.key] ?? '');
    }
  }
  return env;
}

function appContainer(objects: K8sObject[], app: App) {
  const deployment = named(objects, 'Deployment', `jchat-${app}`);
  const container = deployment.spec.template.spec.containers.find((c: any) => c.name === app);
  if (!container) throw new Error(`jchat-${app} has no container ${app}`);
  return { deployment, pod: deployment.spec.template.spec, container };
}

// ---------------------------------------------------------------- the checks of one render

function checkApps(objects: K8sObject[], overlay: string) {
  const config = dataOf(objects, 'ConfigMap', appContainerConfigName(objects));
  const graceMs = Number(config['SHUTDOWN_GRACE_MS']);
  expect(graceMs).toBeGreaterThan(0);
  const services = byKind(objects, 'Service');
  for (const app of APPS) {
    const { deployment, pod, container } = appContainer(objects, app);
    const where = `${overlay}: jchat-${app}`;
    // The one image, its command picking the app.
    expect({ where, args: container.args }).toEqual({ where, args: [app] });
    // Probes: readiness /health/ready (the app's own stores) and liveness /health, on
    // OBSERVABILITY_PORT; the gateway also serves clients on PORT.
    const port = Number(config['OBSERVABILITY_PORT']);
    const portName = 'metrics';
    expect(container.ports).toEqual([
      ...(app === 'gateway' ? [{ name: 'http', containerPort: Number(config['PORT']) }] : []),
      { name: portName, containerPort: port },
    ]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: portName });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: portName });
    // Prometheus scrapes /metrics on that port.
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
    // Resources and the security context: non-root, read-only root, no privilege, no capability.
    expect(container.resources.requests).toEqual(
      expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
    );
    expect(container.resources.limits.memory).toBeDefined();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect({ where, c: c.name, sc: c.securityContext }).toEqual({
        where,
        c: c.name,
        sc: expect.objectContaining({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        }),
      });
    }
    // SIGTERM: the app's grace (SHUTDOWN_GRACE_MS), plus the preStop pause, plus 5 s of margin.
    const preStopSeconds =
      container.lifecycle?.preStop?.exec?.command?.[0] === 'sleep'
        ? Number(container.lifecycle.preStop.exec.command[1])
        : 0;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(
      graceMs + preStopSeconds * 1000 + 5000,
    );
    // A Service selecting the pods, an autoscaler on the Deployment, a disruption budget.
    const labels = deployment.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);
    expect(services.some((s) => selects(s.spec.selector ?? {}))).toBe(true);
    const hpa = named(objects, 'HorizontalPodAutoscaler', `jchat-${app}`);
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: `jchat-${app}`,
    });
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    // The autoscaler owns the replica count: a fixed one would reset it at every apply.
    expect({ where, replicas: deployment.spec.replicas }).toEqual({ where, replicas: undefined });
    const pdb = named(objects, 'PodDisruptionBudget', `jchat-${app}`);
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    // Services that use PostgreSQL start once the migrations are applied.
    if ('DATABASE_URL' in SETTINGS[app]) {
      expect(pod.initContainers.map((c: any) => c.args)).toEqual([['wait-migrations']]);
    }
  }
}

/** The (hashed) name of the ConfigMap the apps read. */
function appContainerConfigName(objects: K8sObject[]): string {
  const { container } = appContainer(objects, 'gateway');
  return container.envFrom.find((source: any) => source.configMapRef).configMapRef.name;
}

function checkRequiredSettings(objects: K8sObject[], overlay: string) {
  for (const app of APPS) {
    const { container } = appContainer(objects, app);
    const env = containerEnv(objects, container);
    const missing = requiredSettings(app).filter((name) => !env.has(name));
    expect({ overlay, app, missing }).toEqual({ overlay, app, missing: [] });
    // What the ConfigMap sets is set for real (an empty required value stops the app); the
    // Secret's values are the operator's to fill (secrets.env).
    for (const name of requiredSettings(app)) {
      const fromSecret = (container.env ?? []).some(
        (entry: any) => entry.name === name && entry.valueFrom?.secretKeyRef,
      );
      if (!fromSecret)
        expect({ app, name, value: env.get(name) }).not.toEqual({ app, name, value: '' });
      if (LOOPBACK.test(env.get(name) ?? '') && overlay !== 'base') {
        throw new Error(`${overlay}: ${app} ${name} points at loopback: ${env.get(name)}`);
      }
    }
  }
}

function checkCommon(objects: K8sObject[], overlay: string) {
  expect(schemaErrors(objects)).toEqual([]);
  checkApps(objects, overlay);
  checkRequiredSettings(objects, overlay);
  // The migration Job runs the image's migrate command with the database URL.
  const job = named(objects, 'Job', 'jchat-migrate');
  const migrate = job.spec.template.spec.containers[0];
  expect(migrate.args).toEqual(['migrate']);
  expect(containerEnv(objects, migrate).has('DATABASE_URL')).toBe(true);
  // The Ingress: to the gateway Service's http port, WebSocket-length timeouts, big uploads.
  const ingress = named(objects, 'Ingress', 'jchat-gateway');
  const annotations = ingress.metadata.annotations ?? {};
  expect(
    Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']),
  ).toBeGreaterThanOrEqual(3600);
  expect(
    Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']),
  ).toBeGreaterThanOrEqual(3600);
  const backend = ingress.spec.rules[0].http.paths[0].backend.service;
  const gatewayService = named(objects, 'Service', backend.name);
  expect(gatewayService.spec.ports.map((p: any) => p.name)).toContain(backend.port.name);
  // Every ConfigMap or Secret a pod reads exists in the render (Kustomize renames them).
  for (const workload of objects.filter((o) => o.spec?.template?.spec)) {
    const pod = workload.spec.template.spec;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) containerEnv(objects, c);
  }
}

// ---------------------------------------------------------------- the tests

describe('Kubernetes manifests (k8s/)', () => {
  let dir: string;
  beforeAll(() => {
    dir = k8sWithSecrets();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('requires of a deployment what the apps declare without a usable default', () => {
    expect(requiredSettings('gateway')).toEqual(['HOST', 'JWT_SECRET', 'NATS_URL', 'REDIS_URL']);
    expect(requiredSettings('auth')).toEqual([
      'DATABASE_URL',
      'JWT_SECRET',
      'NATS_URL',
      'REDIS_URL',
    ]);
    for (const app of ['conversations', 'messaging', 'presence', 'rbac'] as const) {
      expect(requiredSettings(app)).toEqual(['DATABASE_URL', 'NATS_URL', 'REDIS_URL']);
    }
  });

  it('parses: every YAML file of k8s/ is well-formed', () => {
    const files: string[] = [];
    const walk = (at: string) => {
      for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
        const file = path.join(at, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.ya?ml$/.test(entry.name)) files.push(file);
      }
    };
    walk(path.join(root, 'k8s'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        expect({ file, errors: doc.errors.map(String) }).toEqual({ file, errors: [] });
      }
    }
  });

  const withKubectl = kubectl ? it : it.skip;

  withKubectl('base renders, validates and provides what every app requires', () => {
    const objects = render(path.join(dir, 'k8s', 'base'));
    checkCommon(objects, 'base');
  });

  withKubectl(
    'overlays/dev: PostgreSQL, NATS (JetStream) and Redis as persistent StatefulSets',
    () => {
      const objects = render(path.join(dir, 'k8s', 'overlays', 'dev'));
      checkCommon(objects, 'dev');
      expect(
        objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'jchat-dev'),
      ).toBe(true);
      const statefulSets = byKind(objects, 'StatefulSet');
      expect(statefulSets.map((s) => s.metadata.name).sort()).toEqual([
        'nats',
        'postgres',
        'redis',
      ]);
      for (const set of statefulSets) {
        expect(set.spec.volumeClaimTemplates).toHaveLength(1);
        named(objects, 'Service', set.metadata.name);
      }
      const nats = named(objects, 'StatefulSet', 'nats').spec.template.spec.containers[0];
      expect(nats.args).toEqual(expect.arrayContaining(['-js', '-sd', '/data']));
      // The apps' URLs name these Services.
      const env = containerEnv(objects, appContainer(objects, 'messaging').container);
      expect(new URL(env.get('DATABASE_URL')!).host).toBe('postgres:5432');
      expect(env.get('NATS_URL')).toBe('nats://nats:4222');
      expect(env.get('REDIS_URL')).toBe('redis://redis:6379');
    },
  );

  withKubectl('overlays/prod: managed stores only, every Secret key documented', () => {
    const objects = render(path.join(dir, 'k8s', 'overlays', 'prod'));
    checkCommon(objects, 'prod');
    expect(byKind(objects, 'StatefulSet')).toEqual([]);
    const ingress = named(objects, 'Ingress', 'jchat-gateway');
    expect(ingress.spec.tls[0].hosts).toContain(ingress.spec.rules[0].host);
    // Every key the apps read from the Secret is in the example operators fill in.
    const example = fs.readFileSync(
      path.join(root, 'k8s', 'overlays', 'prod', 'secrets.env.example'),
      'utf8',
    );
    for (const app of APPS) {
      for (const entry of appContainer(objects, app).container.env ?? []) {
        const key = entry.valueFrom?.secretKeyRef?.key;
        if (key)
          expect({ key, documented: example.includes(`\n${key}=`) }).toEqual({
            key,
            documented: true,
          });
      }
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as { services: Record<string, any>; volumes: Record<string, unknown> };
  const envExample = fs.readFileSync(path.join(root, '.env.example'), 'utf8');

  it('provides every setting each app requires, secrets only from .env', () => {
    for (const app of APPS) {
      const service = compose.services[app];
      const environment = service.environment as Record<string, string>;
      for (const name of requiredSettings(app)) {
        const value = environment[name];
        expect({ app, name, provided: typeof value === 'string' && value !== '' }).toEqual({
          app,
          name,
          provided: true,
        });
        // No loopback address, and no value that is empty when .env does not set it.
        expect({ app, name, loopback: LOOPBACK.test(value) }).toEqual({
          app,
          name,
          loopback: false,
        });
        expect({ app, name, value }).not.toEqual({
          app,
          name,
          value: expect.stringMatching(/^\$\{\w+:-\}$/),
        });
      }
      // Secrets are interpolated from .env (required there), never written in the file.
      for (const name of ['JWT_SECRET', 'DATABASE_URL']) {
        if (!(name in environment)) continue;
        expect(environment[name]).toMatch(/\$\{(JWT_SECRET|POSTGRES_PASSWORD):\?[^}]+\}/);
      }
      for (const [name, value] of Object.entries(environment)) {
        if (/SECRET/.test(name))
          expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^\$\{/) });
      }
    }
    // Every variable the file requires from .env is in .env.example.
    const text = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const required = new Set([...text.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!));
    for (const name of required)
      expect({ name, documented: envExample.includes(`${name}=`) }).toEqual({
        name,
        documented: true,
      });
  });

  it('runs the six apps scalable, restarted, health-checked, after the migrations', () => {
    const { services } = compose;
    expect(services['migrate'].command).toEqual(['migrate']);
    expect(services['migrate'].depends_on.postgres.condition).toBe('service_healthy');
    for (const app of APPS) {
      const service = services[app];
      expect(service.command).toEqual([app]);
      expect(service.restart).toBe('unless-stopped');
      expect(service.healthcheck.test).toEqual(['CMD', '/usr/local/bin/jchat', 'healthcheck']);
      // Scalable: no fixed name, no published port.
      expect(service.container_name).toBeUndefined();
      expect(service.ports).toBeUndefined();
      expect(service.depends_on.nats.condition).toBe('service_healthy');
      expect(service.depends_on.redis.condition).toBe('service_healthy');
      if ('DATABASE_URL' in SETTINGS[app]) {
        expect(service.depends_on.migrate.condition).toBe('service_completed_successfully');
      }
    }
    // The proxy is the one published service, after a healthy gateway.
    expect(Object.keys(services).filter((name) => services[name].ports)).toEqual(['proxy']);
    expect(services['proxy'].depends_on.gateway.condition).toBe('service_healthy');
    // JetStream on, with its store on a volume.
    expect(services['nats'].command).toEqual(expect.arrayContaining(['-js', '-sd', '/data']));
    expect(services['nats'].volumes).toEqual(['natsdata:/data']);
    expect(Object.keys(compose.volumes).sort()).toEqual(['natsdata', 'pgdata', 'redisdata']);
    for (const name of ['postgres', 'nats', 'redis', 'proxy']) {
      expect(services[name].healthcheck.test).toBeDefined();
    }
  });

  const composeBin = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((file) =>
    fs.existsSync(file),
  );
  (composeBin ? it : it.skip)('is valid for docker-compose (config)', () => {
    const env = fs.mkdtempSync(path.join(os.tmpdir(), 'jchat-compose-'));
    try {
      fs.writeFileSync(
        path.join(env, 'test.env'),
        `JWT_SECRET=${'x'.repeat(40)}\nPOSTGRES_PASSWORD=compose-config-check\n`,
      );
      const result = spawnSync(
        composeBin!,
        [
          '-f',
          path.join(root, 'docker-compose.yml'),
          '--env-file',
          path.join(env, 'test.env'),
          'config',
          '-q',
        ],
        { encoding: 'utf8', cwd: root },
      );
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      fs.rmSync(env, { recursive: true, force: true });
    }
  });
});
