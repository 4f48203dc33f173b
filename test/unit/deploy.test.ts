import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';

/**
 * deploy/: the kustomization renders (with the kubectl on PATH: Debian's kubernetes-client,
 * kustomize 2.0, is what .ci/run installs), every object validates against the Kubernetes
 * schemas of the kubernetes-models package, and the pieces fit together (ports, labels,
 * probes, the Secret and ConfigMap the pods read, the Falco chart values).
 */
const root = join(import.meta.dirname, '..', '..');
const deploy = join(root, 'deploy');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

function render(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(deploy, dir)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('kubectl not found: install kubernetes-client (apt-get; .ci/run does)', {
        cause: err,
      });
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
}

/** The schema of each kind we ship; a kind not listed here fails the test. */
const MODELS: Record<string, { validate(o: K8sObject): void }> = {
  'apps/v1/Deployment': { validate: (o) => new Deployment(o).validate() },
  'v1/Service': { validate: (o) => new Service(o).validate() },
  'v1/ConfigMap': { validate: (o) => new ConfigMap(o).validate() },
  'v1/Secret': { validate: (o) => new Secret(o).validate() },
  'policy/v1/PodDisruptionBudget': {
    validate: (o) => new PodDisruptionBudget(o).validate(),
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    validate: (o) => new NetworkPolicy(o).validate(),
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    validate: (o) => new ServiceMonitor(o as never).validate(),
  },
};

function validateAll(objects: K8sObject[]): void {
  for (const o of objects) {
    const model = MODELS[`${o.apiVersion}/${o.kind}`];
    assert.ok(model, `no schema for ${o.apiVersion} ${o.kind}`);
    assert.doesNotThrow(() => model.validate(o), `${o.kind}/${o.metadata.name} is valid`);
  }
}

const find = <T>(objects: K8sObject[], kind: string) => {
  const o = objects.find((x) => x.kind === kind);
  assert.ok(o, `renders a ${kind}`);
  return o as unknown as T;
};

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy/ (kustomize)', () => {
  test('the base renders and validates', () => {
    const objects = render('base');
    validateAll(objects);
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      'ConfigMap',
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
    ]);
  });

  test('the example overlay renders, validates, and its parts fit together', () => {
    const objects = render('overlays/example');
    validateAll(objects);
    for (const o of objects) assert.equal(o.metadata.namespace, 'security', o.kind);

    const dep = find<Deployment>(objects, 'Deployment');
    const spec = dep.spec!;
    assert.equal(spec.replicas, 2);
    const podLabels = spec.template.metadata!.labels!;
    assert.ok(matches(spec.selector.matchLabels!, podLabels), 'the selector picks the pods');
    const pod = spec.template.spec!;
    assert.equal(pod.securityContext!.runAsNonRoot, true);
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    assert.ok(user, 'the Dockerfile sets a numeric USER');
    assert.equal(pod.securityContext!.runAsUser, Number(user[1]), 'the image’s user');
    const [c] = pod.containers;
    assert.ok(c);
    assert.equal(c.image, 'registry.example.com/security/falco-triage:0.1.0');
    assert.equal(c.securityContext!.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext!.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext!.capabilities!.drop, ['ALL']);
    assert.ok(c.resources!.requests!.cpu && c.resources!.requests!.memory);
    assert.ok(c.resources!.limits!.memory);
    assert.equal(c.livenessProbe!.httpGet!.path, '/healthz');
    assert.equal(c.readinessProbe!.httpGet!.path, '/readyz');
    assert.equal(c.startupProbe!.httpGet!.path, '/healthz');

    // The settings the pods read exist, and the bot accepts them with the secrets filled in.
    const cm = find<ConfigMap>(objects, 'ConfigMap');
    const secret = find<Secret>(objects, 'Secret');
    const refs = c.envFrom!.map((e) => e.configMapRef?.name ?? e.secretRef?.name);
    assert.deepEqual(refs, [cm.metadata!.name, secret.metadata!.name]);
    assert.match(secret.metadata!.name!, /^falco-triage-/, 'generated, with a content hash');
    const env = cm.data!;
    const ports = new Map(c.ports!.map((p) => [p.name, p.containerPort]));
    assert.equal(ports.get('http'), Number(env.PORT));
    assert.equal(ports.get('ingest'), Number(env.INTERNAL_PORT));
    const mounted = pod.volumes!.find((v) => v.configMap?.name === cm.metadata!.name);
    assert.ok(mounted, 'config.yaml is mounted');
    const mount = c.volumeMounts!.find((m) => m.name === mounted.name)!;
    assert.equal(env.CONFIG_FILE, `${mount.mountPath}/config.yaml`);
    const config = loadConfig(
      {
        ...Object.fromEntries(Object.entries(env).filter(([k]) => /^[A-Z_]+$/.test(k))),
        SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
        SLACK_SIGNING_SECRET: 'secret',
        INGEST_TOKEN: 'a'.repeat(32),
      },
      () => env['config.yaml']!,
    );
    assert.equal(config.http.internalPort, 3001);
    // The spool is on a volume of the pod's own (the root file system is read-only), as
    // large as SPOOL_MAX_BYTES at least, and bounded so a full disk cannot evict the pod.
    const spoolMount = c.volumeMounts!.find((m) => m.mountPath === config.ingest.spool.dir);
    assert.ok(spoolMount, 'SPOOL_DIR is a mounted volume');
    const spoolVolume = pod.volumes!.find((v) => v.name === spoolMount.name)!;
    const sizeLimit = String(spoolVolume.emptyDir?.sizeLimit ?? '');
    assert.match(sizeLimit, /^\d+Mi$/, 'an emptyDir with a sizeLimit in Mi');
    assert.ok(config.ingest.spool.maxBytes > 0);
    assert.ok(parseInt(sizeLimit, 10) * 1024 * 1024 > config.ingest.spool.maxBytes);
    const secretKeys = Object.keys(secret.data ?? {}).sort();
    assert.deepEqual(secretKeys, [
      'INGEST_TOKEN',
      'SLACK_APP_TOKEN',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
    ]);

    const svc = find<Service>(objects, 'Service');
    assert.ok(matches(svc.spec!.selector!, podLabels), 'the Service selects the pods');
    assert.deepEqual(
      svc.spec!.ports!.map((p) => [p.port, p.targetPort]),
      [[3001, 'ingest']],
      'only the ingest port',
    );

    const pdb = find<PodDisruptionBudget>(objects, 'PodDisruptionBudget');
    assert.ok(matches(pdb.spec!.selector!.matchLabels!, podLabels));
    assert.equal(pdb.spec!.minAvailable, 1);

    const np = find<NetworkPolicy>(objects, 'NetworkPolicy');
    assert.ok(matches(np.spec!.podSelector!.matchLabels!, podLabels), 'applies to the pods');
    assert.deepEqual(np.spec!.policyTypes, ['Ingress']);
    const rules = np.spec!.ingress!;
    for (const r of rules) assert.deepEqual(r.ports, [{ port: 'ingest', protocol: 'TCP' }]);
    const falcoRule = rules[0]!.from![0]!;
    assert.deepEqual(falcoRule.namespaceSelector!.matchLabels, {
      'kubernetes.io/metadata.name': 'falco',
    });
    assert.deepEqual(falcoRule.podSelector!.matchExpressions, [
      { key: 'app.kubernetes.io/name', operator: 'In', values: ['falco', 'falcosidekick'] },
    ]);
    assert.deepEqual(rules[1]!.from![0]!.podSelector!.matchLabels, {
      'app.kubernetes.io/name': 'prometheus',
    });

    const sm = find<ServiceMonitor>(objects, 'ServiceMonitor');
    assert.ok(matches(sm.spec.selector.matchLabels!, svc.metadata!.labels));
    assert.deepEqual(
      sm.spec.endpoints.map((e) => [e.port, e.path]),
      [['ingest', '/metrics']],
    );
  });

  test('a broken object fails validation (the schemas are really applied)', () => {
    const objects = render('base');
    const dep = objects.find((o) => o.kind === 'Deployment')!;
    const broken = structuredClone(dep) as { spec: { replicas: unknown } } & K8sObject;
    broken.spec.replicas = 'two';
    assert.throws(() => validateAll([broken]), /replicas/);
    const svc = objects.find((o) => o.kind === 'Service')!;
    const noPorts = structuredClone(svc) as { spec: { ports: unknown } } & K8sObject;
    noPorts.spec.ports = [{ targetPort: 'ingest' }];
    assert.throws(() => validateAll([noPorts]), /port/);
  });

  test('the falcosecurity/falco chart values reach the Service, both ways', () => {
    const http = parse(readFileSync(join(deploy, 'falco', 'values-http-output.yaml'), 'utf8')) as {
      falco: { json_output: boolean; http_output: { enabled: boolean; url: string } };
      extra: { env: { name: string; valueFrom: { secretKeyRef: { name: string } } }[] };
      falcosidekick?: unknown;
    };
    assert.equal(http.falco.json_output, true);
    assert.equal(http.falco.http_output.enabled, true);
    assert.equal(http.falcosidekick, undefined, 'falcosidekick would take over http_output');
    const url = new URL(http.falco.http_output.url.replace('${FALCO_TRIAGE_TOKEN}', 'T'));
    assert.equal(url.host, 'falco-triage.security.svc:3001');
    assert.equal(url.pathname, '/falco');
    assert.equal(url.searchParams.get('token'), 'T');
    assert.ok(http.extra.env.some((e) => e.name === 'FALCO_TRIAGE_TOKEN'));

    const sk = parse(readFileSync(join(deploy, 'falco', 'values-falcosidekick.yaml'), 'utf8')) as {
      falcosidekick: {
        enabled: boolean;
        config: { webhook: { address: string; customHeaders: unknown } };
      };
      falco?: { http_output?: unknown };
    };
    assert.equal(sk.falcosidekick.enabled, true);
    assert.equal(sk.falco?.http_output, undefined, 'the chart points http_output at sidekick');
    assert.equal(sk.falcosidekick.config.webhook.address, url.origin + url.pathname);
    assert.equal(
      typeof sk.falcosidekick.config.webhook.customHeaders,
      'string',
      'a string in Helm values (a map only in config.yaml)',
    );
    assert.match(sk.falcosidekick.config.webhook.customHeaders as string, /^Authorization:Bearer /);
  });
});
