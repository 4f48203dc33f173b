import { createHash } from 'node:crypto';
import { fieldString, sourceOf, type Alert, type FieldValue } from '../alert.js';
import { lookupTable, ownValue } from '../lookup-table.js';

/**
 * Which alert fields name the *subject* of an alert (what it is about), overriding the
 * defaults below; a rule's entry beats its source's. A field spec is an output field
 * name, `hostname` (the alert's top-level hostname), or alternatives `a|b|c` meaning
 * the first of them the alert has.
 */
export interface SubjectConfig {
  bySource?: Record<string, string[]>;
  byRule?: Record<string, string[]>;
}

export interface Fingerprint {
  fingerprint: string;
  /** The fields that were hashed (after alternatives were resolved); `-` when absent. */
  subject: Record<string, string>;
}

const ABSENT = '-';
const HOSTNAME = 'hostname';

// The subject of a cloud or SaaS event is the account and the object it touched. The
// field lists come from the output fields of the upstream rules files; alternatives
// are ordered most specific first, since a rule names at most one such object.
const AWS_RESOURCE = [
  's3.bucket',
  'ct.request.bucket',
  'ct.request.functionname',
  'ct.request.username',
  'ct.request.groupname',
  'ct.request.name',
  'ct.request.servicename',
  'ct.request.taskdefinition',
  'ct.request.cluster',
  'ct.request.serialnumber',
].join('|');

const GCP_RESOURCE = [
  'gcp.storage.bucket',
  'gcp.cloudfunctions.function',
  'gcp.cloudsql.databaseId',
  'gcp.compute.instanceId',
  'gcp.iam.serviceAccount',
  'gcp.logging.sink',
  'gcp.dns.zone',
  'json.value[/resource/labels/policy_name]',
  'json.value[/resource/labels/crypto_key_id]',
  'json.value[/resource/labels/dataset_id]',
  'gcp.resourceName',
].join('|');

const STATIC_SUBJECTS = lookupTable<string[]>({
  // The same audit event reaches every Falco pod that tails the audit log, so the
  // reporting node must not be part of it. Create requests often carry the new
  // object's name only in the response; the URI (without its varying query string)
  // is the last resort for requests with no object name at all.
  k8s_audit: [
    'ka.target.resource',
    'ka.target.namespace',
    'ka.target.subresource',
    'ka.target.name|ka.resp.name|ka.uri',
  ],
  aws_cloudtrail: ['ct.user.accountid', 'ct.region', AWS_RESOURCE],
  gcp_auditlog: ['gcp.projectId', GCP_RESOURCE],
  github: [
    'github.org|github.owner',
    'github.repo.name|github.repo.url|github.repo|github.webhook.id',
  ],
  // Okta rules without a target user (lock-outs, MFA failures) are about the actor's
  // own account, so the actor stands in for the missing target. The official outputs carry
  // only display names, which two people can share: an id or login, when a deployment adds
  // it to the output (append_output), is preferred.
  okta: [
    'okta.target.user.id|okta.target.user.alternateid|okta.target.user.name|okta.actor.id|okta.actor.alternateid|okta.actor.name',
    'okta.target.group.name',
    'okta.target.app.alternateid|okta.app',
  ],
});

function defaultSubject(alert: Alert, source: string): string[] {
  const fixed = STATIC_SUBJECTS[source];
  if (fixed) return fixed;
  if (source === 'syscall') {
    // A pod outlives its container ids (restarts) and may move between nodes.
    if (has(alert, 'k8s.pod.name')) return ['k8s.ns.name', 'k8s.pod.name'];
    const container = fieldString(alert, 'container.id');
    if (container !== undefined && container !== 'host') return [HOSTNAME, 'container.id'];
    return [HOSTNAME];
  }
  const workload = Object.keys(alert.output_fields).filter(
    (k) => (k === 'container.id' || k.startsWith('k8s.')) && has(alert, k),
  );
  return [HOSTNAME, ...workload];
}

function has(alert: Alert, field: string): boolean {
  return valueOf(alert, field) !== undefined;
}

function valueOf(alert: Alert, field: string): string | undefined {
  if (field === HOSTNAME) return alert.hostname?.trim() || undefined;
  const v = fieldString(alert, field);
  // List and watch requests differ only in ?limit=, ?resourceVersion=, ?timeout=...
  if (v !== undefined && field === 'ka.uri') return v.split('?')[0] || undefined;
  return v;
}

/** The field specs that make up an alert's subject, after configuration. */
export function subjectFieldsOf(alert: Alert, opts: SubjectConfig = {}): string[] {
  const source = sourceOf(alert);
  // Own keys only: the rule and source come from the alert, the tables from YAML.
  return (
    ownValue(opts.byRule, alert.rule) ??
    ownValue(opts.bySource, source) ??
    defaultSubject(alert, source)
  );
}

/**
 * Alerts with the same rule, source and subject are one incident. The hash input is
 * `rule \0 source \0 field=value \0 ...` with fields sorted, so the configuration's
 * field order does not matter.
 */
export function fingerprintOf(alert: Alert, opts: SubjectConfig = {}): Fingerprint {
  const source = sourceOf(alert);
  const subject: Record<string, string> = {};
  for (const spec of subjectFieldsOf(alert, opts)) {
    const alternatives = spec
      .split('|')
      .map((s) => s.trim())
      .filter(Boolean);
    const first = alternatives[0];
    if (first === undefined) continue;
    const found = alternatives.find((f) => has(alert, f));
    if (found !== undefined) subject[found] = valueOf(alert, found) ?? ABSENT;
    else subject[first] ??= ABSENT;
  }
  const parts = Object.keys(subject)
    .sort()
    .map((k) => `${k}=${subject[k]}`);
  const fingerprint = sha256([alert.rule, source, ...parts].join('\0')).slice(0, 32);
  return { fingerprint, subject };
}

/**
 * Identifies one event, so a retried, replayed or multiply-reported alert is counted
 * once. Falcosidekick's uuid is used when present. Otherwise the hash leaves out the
 * hostname and the output line: the same Kubernetes audit event reported by Falco
 * pods on three nodes differs only there.
 */
export function eventIdOf(alert: Alert): string {
  if (alert.uuid) return `uuid:${alert.uuid}`;
  const canonical = canonicalJson({
    rule: alert.rule,
    source: sourceOf(alert),
    time: alert.time,
    output_fields: alert.output_fields,
  });
  return `h:${sha256(canonical)}`;
}

/**
 * What the dedupe set remembers of an event id: 96 bits of its SHA-256, 24 hex characters
 * whatever the id's form (a uuid, or a 64-character hash). Compared only among the few
 * thousand tags of one fingerprint, where an accidental collision is about 1 in 10^25
 * (docs/decisions/0002-bounded-dedupe.md).
 */
export function eventTag(eventId: string): string {
  return sha256(eventId).slice(0, 24);
}

type Json = FieldValue | Json[] | { [k: string]: Json };

/** JSON with object keys sorted at every level, so equal content hashes equally. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const body = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as Json)}`)
      .join(',');
    return `{${body}}`;
  }
  return JSON.stringify(value);
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
