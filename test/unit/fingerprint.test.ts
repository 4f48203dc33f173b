import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alertSchema, type Alert } from '../../src/alert.js';
import { canonicalJson, eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';

const samplesDir = join(import.meta.dirname, '..', 'fixtures', 'samples');
const sample = (file: string): Alert =>
  alertSchema.parse(JSON.parse(readFileSync(join(samplesDir, file), 'utf8')));

function alert(over: Partial<Alert> & { fields?: Alert['output_fields'] } = {}): Alert {
  const { fields, ...rest } = over;
  return alertSchema.parse({
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2025-05-07T12:50:34.502309868Z',
    output: 'a shell',
    source: 'syscall',
    hostname: 'node-1',
    output_fields: fields ?? {},
    ...rest,
  });
}

void describe('fingerprintOf', () => {
  void test('hashes rule, source and sorted field=value pairs, 32 hex chars', () => {
    const a = alert({ fields: { 'container.id': 'abc123', 'proc.cmdline': 'bash' } });
    const { fingerprint, subject } = fingerprintOf(a);
    assert.deepEqual(subject, { hostname: 'node-1', 'container.id': 'abc123' });
    const expected = createHash('sha256')
      .update(
        ['Terminal shell in container', 'syscall', 'container.id=abc123', 'hostname=node-1'].join(
          '\0',
        ),
      )
      .digest('hex')
      .slice(0, 32);
    assert.equal(fingerprint, expected);
    assert.match(fingerprint, /^[0-9a-f]{32}$/);
  });

  void test('syscall: a pod is its namespace and name, whatever the node or container', () => {
    const fields = { 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-1', 'container.id': 'c1' };
    const a = fingerprintOf(alert({ hostname: 'node-1', fields }));
    const b = fingerprintOf(
      alert({ hostname: 'node-2', fields: { ...fields, 'container.id': 'c2' } }),
    );
    assert.deepEqual(a.subject, { 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-1' });
    assert.equal(a.fingerprint, b.fingerprint);
    const other = fingerprintOf(alert({ fields: { ...fields, 'k8s.pod.name': 'web-2' } }));
    assert.notEqual(a.fingerprint, other.fingerprint);
  });

  void test('syscall: a container outside Kubernetes is host + container id; the host itself is the host', () => {
    assert.deepEqual(fingerprintOf(alert({ fields: { 'container.id': 'abc' } })).subject, {
      hostname: 'node-1',
      'container.id': 'abc',
    });
    const onHost = fingerprintOf(sample('18-read-sensitive-file-untrusted.json'));
    assert.deepEqual(onHost.subject, { hostname: 'x86' });
    // Falco prints a missing value as null or <NA>; neither is a container id.
    assert.deepEqual(fingerprintOf(alert({ fields: { 'container.id': '<NA>' } })).subject, {
      hostname: 'node-1',
    });
  });

  void test('legacy alerts (no source, no hostname) are syscall with an absent hostname', () => {
    const a = sample('17-write-below-binary-dir.json');
    assert.deepEqual(fingerprintOf(a).subject, { hostname: 'localhost' });
    const legacy = sample('06-terminal-shell-in-container.json');
    assert.deepEqual(fingerprintOf(legacy).subject, {
      'k8s.ns.name': 'default',
      'k8s.pod.name': 'alpine',
    });
    const noHost = alert({ hostname: undefined, source: undefined, fields: {} });
    assert.deepEqual(fingerprintOf(noHost).subject, { hostname: '-' });
    assert.equal(
      fingerprintOf(noHost).fingerprint,
      fingerprintOf({ ...noHost, source: 'syscall' }).fingerprint,
    );
  });

  void test('k8s_audit: the target object, never the reporting node', () => {
    const a = sample('03-attach-exec-pod.json');
    const { subject, fingerprint } = fingerprintOf(a);
    assert.deepEqual(subject, {
      'ka.target.resource': 'pods',
      'ka.target.namespace': 'hello-app',
      'ka.target.subresource': 'exec',
      'ka.target.name': 'nginx-676b6c5bbc-4xc6t',
    });
    assert.equal(fingerprintOf({ ...a, hostname: 'another-node' }).fingerprint, fingerprint);
    // Another command in the same pod is the same incident.
    const other = { ...a, output_fields: { ...a.output_fields, 'ka.uri.param[command]': 'sh' } };
    assert.equal(fingerprintOf(other).fingerprint, fingerprint);
  });

  void test('k8s_audit without a target name falls back to the response name, then the URI without query', () => {
    const base = {
      source: 'k8s_audit',
      rule: 'Disallowed K8s User',
      fields: { 'ka.target.resource': 'pods', 'ka.target.namespace': 'x' },
    };
    const created = fingerprintOf(
      alert({ ...base, fields: { ...base.fields, 'ka.resp.name': 'p1' } }),
    );
    assert.equal(created.subject['ka.resp.name'], 'p1');
    const list1 = fingerprintOf(
      alert({
        ...base,
        fields: { ...base.fields, 'ka.uri': '/api/v1/namespaces/x/pods?limit=500' },
      }),
    );
    const list2 = fingerprintOf(
      alert({
        ...base,
        fields: { ...base.fields, 'ka.uri': '/api/v1/namespaces/x/pods?watch=true' },
      }),
    );
    assert.equal(list1.subject['ka.uri'], '/api/v1/namespaces/x/pods');
    assert.equal(list1.fingerprint, list2.fingerprint);
    assert.equal(list1.subject.hostname, undefined);
    assert.equal(list1.subject['ka.target.subresource'], '-');
  });

  void test('cloud sources: the account and object, never the host', () => {
    const gcp = sample('20-gcp-bucket-configured-to-be-public.json');
    assert.deepEqual(fingerprintOf(gcp).subject, {
      'gcp.projectId': '**********',
      'gcp.storage.bucket': 'ahmed-test',
    });
    assert.equal(
      fingerprintOf({ ...gcp, hostname: 'elsewhere' }).fingerprint,
      fingerprintOf(gcp).fingerprint,
    );
    const waf = sample('19-gcp-waf-rule-modified-or-deleted.json');
    assert.equal(
      fingerprintOf(waf).subject['json.value[/resource/labels/policy_name]'],
      '**********',
    );

    const aws = alert({
      source: 'aws_cloudtrail',
      rule: 'Put Bucket ACL',
      fields: {
        'ct.region': 'eu-west-1',
        's3.bucket': 'logs',
        'ct.user': 'alice',
        'ct.srcip': '1.2.3.4',
      },
    });
    assert.deepEqual(fingerprintOf(aws).subject, {
      'ct.user.accountid': '-',
      'ct.region': 'eu-west-1',
      's3.bucket': 'logs',
    });
    const byBob = {
      ...aws,
      output_fields: { ...aws.output_fields, 'ct.user': 'bob', 'ct.srcip': '5.6.7.8' },
    };
    assert.equal(fingerprintOf(byBob).fingerprint, fingerprintOf(aws).fingerprint);

    const gh = alert({
      source: 'github',
      rule: 'Create Deploy Key',
      fields: { 'github.org': 'acme', 'github.repo.name': 'api', 'github.user': 'eve' },
    });
    assert.deepEqual(fingerprintOf(gh).subject, {
      'github.org': 'acme',
      'github.repo.name': 'api',
    });

    const okta = alert({
      source: 'okta',
      rule: 'User has been locked out in OKTA',
      fields: { 'okta.actor.name': 'dana', 'okta.client.ip': '9.9.9.9' },
    });
    assert.deepEqual(fingerprintOf(okta).subject, {
      'okta.actor.name': 'dana',
      'okta.target.group.name': '-',
      'okta.target.app.alternateid': '-',
    });
    // Two people named Dana Smith are two incidents when the login is in the alert.
    const dana = (login: string) =>
      fingerprintOf(
        alert({
          source: 'okta',
          rule: 'User has been locked out in OKTA',
          fields: { 'okta.actor.name': 'Dana Smith', 'okta.actor.alternateid': login },
        }),
      );
    assert.notEqual(dana('dana@a.example').fingerprint, dana('dsmith@a.example').fingerprint);
    assert.deepEqual(dana('dana@a.example').subject['okta.actor.alternateid'], 'dana@a.example');
  });

  void test('unknown sources: hostname plus every container and k8s field present', () => {
    const a = alert({
      source: 'my_plugin',
      fields: { 'container.id': 'c1', 'k8s.ns.name': 'ns', 'k8s.pod.name': null, 'proc.name': 'x' },
    });
    assert.deepEqual(fingerprintOf(a).subject, {
      hostname: 'node-1',
      'container.id': 'c1',
      'k8s.ns.name': 'ns',
    });
  });

  void test('configuration overrides the subject; a rule beats its source; order does not matter', () => {
    const a = alert({ fields: { 'container.id': 'c1', 'proc.name': 'bash', 'user.name': 'root' } });
    const bySource = fingerprintOf(a, { bySource: { syscall: ['user.name', 'proc.name'] } });
    assert.deepEqual(bySource.subject, { 'user.name': 'root', 'proc.name': 'bash' });
    const reordered = fingerprintOf(a, { bySource: { syscall: ['proc.name', 'user.name'] } });
    assert.equal(reordered.fingerprint, bySource.fingerprint);
    const byRule = fingerprintOf(a, {
      bySource: { syscall: ['user.name'] },
      byRule: { 'Terminal shell in container': ['hostname', 'missing.field'] },
    });
    assert.deepEqual(byRule.subject, { hostname: 'node-1', 'missing.field': '-' });
  });

  void test('a different rule or source is a different incident', () => {
    const a = alert({ fields: { 'container.id': 'c1' } });
    assert.notEqual(
      fingerprintOf(a).fingerprint,
      fingerprintOf({ ...a, rule: 'Other' }).fingerprint,
    );
    assert.notEqual(
      fingerprintOf(a).fingerprint,
      fingerprintOf({ ...a, source: 'mine' }).fingerprint,
    );
  });
});

void describe('eventIdOf', () => {
  void test("uses Falcosidekick's uuid when present", () => {
    assert.equal(eventIdOf(alert({ uuid: '1234-abcd' })), 'uuid:1234-abcd');
  });

  void test('the same audit event from three nodes is one event', () => {
    const a = sample('01-disallowed-k8s-user.json');
    const ids = ['node-a', 'node-b', 'node-c'].map((hostname) =>
      eventIdOf({ ...a, hostname, output: `${hostname}: ${a.output}` }),
    );
    assert.equal(new Set(ids).size, 1);
    assert.match(ids[0] ?? '', /^h:[0-9a-f]{64}$/);
  });

  void test('field order does not matter; time, rule and fields do', () => {
    const a = alert({ fields: { a: 1, b: 'x' } });
    const b = alert({ fields: { b: 'x', a: 1 } });
    assert.equal(eventIdOf(a), eventIdOf(b));
    assert.notEqual(eventIdOf(a), eventIdOf({ ...a, time: '2025-05-07T12:50:34.502309869Z' }));
    assert.notEqual(eventIdOf(a), eventIdOf({ ...a, rule: 'Other' }));
    assert.notEqual(eventIdOf(a), eventIdOf({ ...a, output_fields: { a: 2, b: 'x' } }));
  });

  void test('canonicalJson sorts keys at every level', () => {
    assert.equal(
      canonicalJson({ b: [1, { d: 1, c: null }], a: 'x' }),
      '{"a":"x","b":[1,{"c":null,"d":1}]}',
    );
  });
});
