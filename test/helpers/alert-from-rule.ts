import type { Alert, FieldValue } from '../../src/alert.js';
import type { CatalogRule } from '../../src/guidance/catalog.js';

/**
 * Builds the alert Falco would send for a catalog rule: every field of the rule's own
 * `output` gets a plausible value of the right type, and the output line is the rule's
 * template with those values substituted. Deterministic, so failures reproduce.
 */

export const FIXED_TIME = '2026-11-22T10:15:30.123456789Z';

/**
 * Falco 0.40+ rules leave container and Kubernetes fields out of `output`; the default
 * falco.yaml appends them (`append_output`) to every syscall alert. Real alerts carry
 * them, so generated ones do too.
 */
export const APPENDED_SYSCALL_FIELDS = [
  'container.id',
  'container.name',
  'container.image.repository',
  'container.image.tag',
  'k8s.ns.name',
  'k8s.pod.name',
] as const;

const EXACT: Record<string, FieldValue> = {
  'container.id': '3ad7b26ded6d',
  'container.name': 'payments-api',
  'container.image.repository': 'ghcr.io/example/payments-api',
  'container.image.tag': '1.4.2',
  'container.mounts': '/var/run/docker.sock:/var/run/docker.sock::true:private',
  'container.start_ts': 1795342500000000000,
  'k8s.ns.name': 'payments',
  'k8s.pod.name': 'payments-api-7d9c8b6f5-x2x7q',
  'proc.name': 'bash',
  'proc.exe': '/bin/bash',
  'proc.exepath': '/usr/bin/bash',
  'proc.cmdline': 'bash -c id',
  'proc.args': '-c id',
  'proc.pname': 'node',
  'proc.pexe': '/usr/local/bin/node',
  'proc.pexepath': '/usr/local/bin/node',
  'proc.pcmdline': 'node server.js',
  'proc.sname': 'node',
  'proc.cwd': '/app/',
  'proc.tty': 34816,
  'proc.env': 'PATH=/usr/local/bin:/usr/bin HOME=/root',
  'proc.exe_ino.ctime': 1795342530000000000,
  'proc.exe_ino.mtime': 1795342530000000000,
  'proc.exe_ino.ctime_duration_proc_start': 2000000000,
  'proc.aexepath[2]': '/usr/bin/containerd-shim-runc-v2',
  'user.name': 'root',
  'user.uid': 0,
  'user.loginuid': -1,
  'user.loginname': 'ubuntu',
  'group.gid': 0,
  'group.name': 'root',
  'thread.cap_effective': 'CAP_SYS_ADMIN CAP_NET_ADMIN',
  'thread.cap_permitted': 'CAP_SYS_ADMIN CAP_NET_ADMIN',
  'evt.type': 'execve',
  'evt.res': 'SUCCESS',
  'evt.num': 48213,
  'evt.time.iso8601': '2026-11-22T10:15:30.123456789Z',
  'evt.args': 'res=0',
  'evt.arg.flags': 'O_RDONLY',
  'evt.arg.mode': '0755',
  'evt.arg.uid': 0,
  'evt.arg.cmd': 'BPF_PROG_LOAD',
  'evt.arg.fd': 3,
  'evt.arg.name': '/tmp/.x/payload',
  'evt.arg.path': '/tmp/.x/payload',
  'evt.arg.filename': '/tmp/.x/payload',
  'evt.arg.oldpath': '/tmp/.x/payload',
  'evt.arg.newpath': '/usr/bin/payload',
  'evt.arg.target': '/etc/shadow',
  'evt.arg.linkpath': '/tmp/.x/shadow-link',
  'evt.plugininfo': 'event from plugin',
  'fd.name': '/etc/shadow',
  'fd.nameraw': '/app/../../etc/shadow',
  'fd.type': 'ipv4',
  'fd.l4proto': 'tcp',
  'fd.rip': '203.0.113.45',
  'fd.sip': '10.96.0.1',
  'fd.cip.name': 'payments-api.local',
  'fd.lip.name': 'payments-api.local',
  'fd.rip.name': 'c2.example.net',
  'fd.sip.name': 'kubernetes.default.svc',
  'fd.lport': 4444,
  'fd.rport': 4444,
  'fd.sport': 443,
  'ka.user.name': 'system:serviceaccount:ci:deployer',
  'ka.verb': 'create',
  'ka.uri': '/api/v1/namespaces/payments/pods/payments-api-7d9c8b6f5-x2x7q/exec?command=sh',
  'ka.uri.param[command]': 'sh',
  'ka.target.name': 'payments-api-7d9c8b6f5-x2x7q',
  'ka.target.namespace': 'payments',
  'ka.target.resource': 'pods',
  'ka.target.subresource': 'exec',
  'ka.resp.name': 'payments-api-7d9c8b6f5-x2x7q',
  'ka.response.code': 201,
  'ka.response.reason': 'Created',
  'ka.auth.decision': 'allow',
  'ka.auth.reason': 'RBAC: allowed by ClusterRoleBinding "ci-deployer"',
  'ka.req.pod.containers.image': 'ghcr.io/example/payments-api:1.4.2',
  'ka.req.pod.initContainers.image': 'busybox:1.36',
  'ka.req.pod.ephemeralContainers.image': 'busybox:1.36',
  'ka.req.binding.role': 'cluster-admin',
  'ka.req.binding.subjects': 'ServiceAccount/ci/deployer',
  'ka.req.role.rules': '[{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}]',
  'ka.req.configmap.name': 'app-config',
  'ka.req.service.ports': '[{"port":30080,"nodePort":30080}]',
  'jevt.obj': '{"kind":"Event"}',
  'jevt.value[/requestObject/ephemeralContainers/0/image]': 'busybox:1.36',
  'jevt.value[/requestObject/ephemeralContainers/0/name]': 'debugger',
  'jevt.value[/requestObject/spec/volumes]': '[{"hostPath": {"path": "/"}, "name": "host"}]',
  'ct.user': 'alice',
  'ct.user.arn': 'arn:aws:iam::123456789012:user/alice',
  'ct.user.principalid': 'AIDAEXAMPLEPRINCIPAL',
  'ct.region': 'eu-west-1',
  'ct.srcip': '198.51.100.7',
  'ct.id': '0a1b2c3d-4e5f-6789-abcd-ef0123456789',
  'ct.error': 'AccessDenied',
  'ct.request.availabilityzone': 'eu-west-1a',
  'ct.request.cluster': 'prod-cluster',
  'ct.request.functionname': 'billing-export',
  'ct.request.groupname': 'admins',
  'ct.request.host': 'example-bucket.s3.amazonaws.com',
  'ct.request.name': 'prod-db-password',
  'ct.request.policy': '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
  'ct.request.serialnumber': 'arn:aws:iam::123456789012:mfa/alice',
  'ct.request.servicename': 'payments',
  'ct.request.taskdefinition': 'payments-task:7',
  'ct.request.username': 'bob',
  'ct.response.reservationid': 'r-0123456789abcdef0',
  'ct.response.subnetid': 'subnet-0123456789abcdef0',
  's3.bucket': 'example-bucket',
  'json.value[/responseElements/instancesSet/items/0/instanceId]': 'i-0123456789abcdef0',
  'json.value[/resource/labels/crypto_key_id]': 'payments-key',
  'json.value[/resource/labels/dataset_id]': 'billing',
  'json.value[/resource/labels/key_ring_id]': 'prod-ring',
  'json.value[/resource/labels/policy_name]': 'edge-waf',
  'gcp.user': 'alice@example.com',
  'gcp.callerIP': '198.51.100.7',
  'gcp.userAgent': 'google-cloud-sdk gcloud/450.0.0',
  'gcp.projectId': 'example-prod',
  'gcp.methodName': 'google.iam.admin.v1.DeleteServiceAccount',
  'gcp.serviceName': 'iam.googleapis.com',
  'gcp.authorizationInfo': '[{"granted":true,"permission":"iam.serviceAccounts.delete"}]',
  'gcp.policyDelta': '[{"action":"ADD","member":"allUsers","role":"roles/storage.objectViewer"}]',
  'gcp.request': '{"name":"projects/example-prod/serviceAccounts/x"}',
  'gcp.storage.bucket': 'example-prod-exports',
  'gcp.cloudfunctions.function': 'billing-export',
  'gcp.cloudsql.databaseId': 'example-prod:orders-db',
  'github.user': 'octocat',
  'github.org': 'example-org',
  'github.owner': 'example-org',
  // The GitHub plugin fills repo.name with owner/name (html_url without https://github.com/).
  'github.repo.name': 'example-org/payments',
  'github.repo.url': 'https://github.com/example-org/payments',
  'github.webhook.id': 123456,
  'github.webhook.type': 'repository',
  'github.workflow.filename': '.github/workflows/build.yml',
  'github.collaborator.name': 'outsider',
  'github.collaborator.role': 'admin',
  'github.diff.committed_secrets.desc': 'AWS access key',
  'github.diff.committed_secrets.files': 'config/prod.env',
  'github.diff.committed_secrets.lines': '12',
  'github.diff.committed_secrets.links':
    'https://github.com/example-org/payments/blob/abc123/config/prod.env#L12',
  // The Okta plugin fills actor.name with the display name; the login is actor.alternateid.
  'okta.actor.name': 'Alice Example',
  'okta.client.ip': '198.51.100.7',
  'okta.client.geo.country': 'Germany',
  'okta.reason': 'INVALID_CREDENTIALS',
  // Display names, as the plugin fills them (the login is the alternateid field).
  'okta.target.user.name': 'Bob Example',
  'okta.target.group.name': 'Administrators',
  'okta.target.app.alternateid': 'AWS Console',
  'okta.mfa.deny.countlast[300]': 12,
  'okta.mfa.failure.countlast[300]': 7,
};

const ANCESTORS = ['containerd-shim', 'containerd', 'systemd', 'kthreadd', 'init', 'bash'];

/** A value for any field, including ones added to the rules after this table was written. */
export function sampleValue(field: string): FieldValue {
  if (field in EXACT) return EXACT[field]!;
  const aname = /^proc\.aname\[(\d+)\]$/.exec(field);
  if (aname) return ANCESTORS[(Number(aname[1]) - 2) % ANCESTORS.length]!;
  if (/port$/.test(field)) return 8443;
  if (/(uid|gid|code|count|num)\b/.test(field)) return 1000;
  if (/\bip$|ip\b/i.test(field)) return '192.0.2.10';
  if (/(path|name|file)/.test(field)) return '/tmp/example-value';
  return `example-${field.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '')}`;
}

export interface AlertFromRuleOptions {
  /** Values that replace the generated ones (e.g. hostile strings). */
  overrides?: Record<string, FieldValue>;
  /** Fields Falco could not resolve: sent as null, printed `<NA>` in the output line. */
  missing?: readonly string[];
  /** Leave out the container and Kubernetes fields Falco appends to syscall alerts. */
  withoutAppended?: boolean;
}

/** Every field an alert for this rule carries: the rule's own plus what Falco appends. */
export function fieldsOf(rule: CatalogRule): string[] {
  const fields = [...rule.outputFields];
  if (rule.source === 'syscall')
    for (const f of APPENDED_SYSCALL_FIELDS) if (!fields.includes(f)) fields.push(f);
  return fields;
}

export function alertFromRule(rule: CatalogRule, opts: AlertFromRuleOptions = {}): Alert {
  const missing = new Set(opts.missing ?? []);
  const fields = opts.withoutAppended ? [...rule.outputFields] : fieldsOf(rule);
  const output_fields: Record<string, FieldValue> = {};
  for (const f of fields) {
    output_fields[f] = missing.has(f) ? null : (opts.overrides?.[f] ?? sampleValue(f));
  }
  const shown = (f: string) => {
    const v = output_fields[f];
    return v === null || v === undefined ? '<NA>' : String(v);
  };
  const line = rule.output.replace(
    /%([A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_](?:\[[^\]\s]+\])?)/g,
    (_, f: string) => shown(f),
  );
  const appended =
    rule.source === 'syscall' && !opts.withoutAppended
      ? ` container_id=${shown('container.id')} container_name=${shown('container.name')}`
      : '';
  return {
    rule: rule.name,
    priority: rule.priority,
    time: FIXED_TIME,
    output: `10:15:30.123456789: ${rule.priority} ${line}${appended}`,
    output_fields,
    source: rule.source,
    tags: [...rule.tags],
    hostname: 'worker-node-1',
  };
}
