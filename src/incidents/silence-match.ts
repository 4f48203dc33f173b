import type { Alert } from '../alert.js';
import type { Incident } from './model.js';
import type { StormDigest } from './store.js';

/**
 * Which alerts a silence swallows: every matcher must hold. A matcher is a field and a
 * pattern where `*` matches any run of characters (and nothing else is special);
 * `rule` is the rule name, `hostname`, `priority` and `source` the alert's own fields,
 * anything else an output field. Case matters, as in Falco.
 */
export function matches(alert: Alert, matchers: Record<string, string>): boolean {
  const entries = Object.entries(matchers);
  if (entries.length === 0) return false;
  return entries.every(([field, pattern]) => {
    const value = valueOf(alert, field);
    return value !== undefined && glob(pattern).test(value);
  });
}

function valueOf(alert: Alert, field: string): string | undefined {
  if (field === 'rule') return alert.rule;
  if (field === 'hostname') return alert.hostname;
  if (field === 'priority') return alert.priority;
  if (field === 'source') return alert.source;
  if (!Object.hasOwn(alert.output_fields, field)) return undefined;
  const v = alert.output_fields[field];
  if (v === null || v === undefined) return undefined;
  return Array.isArray(v) ? v.map(String).join(',') : String(v);
}

const cache = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** The subject fields "Mute similar" proposes, most telling first. */
const PROPOSED_FIELDS = ['k8s.ns.name', 'container.image.repository', 'k8s.pod.name'];

/** "Mute similar" on an incident: its rule, and its namespace and image (else its host). */
export function proposeFromIncident(i: Pick<Incident, 'rule' | 'latest'>): Record<string, string> {
  const m: Record<string, string> = { rule: i.rule };
  for (const f of PROPOSED_FIELDS.slice(0, 2)) {
    const v = i.latest.output_fields[f];
    if (typeof v === 'string' && v) m[f] = v;
  }
  if (Object.keys(m).length === 1 && i.latest.hostname) m.hostname = i.latest.hostname;
  return m;
}

/** "Mute similar" on a storm: its rule, and its namespace or host when it has only one. */
export function proposeFromStorm(
  d: Pick<StormDigest, 'byRule' | 'byNs' | 'byHost'>,
): Record<string, string> | undefined {
  const only = (list: StormDigest['byRule']) =>
    list.length === 1 && list[0]?.value ? list[0].value : undefined;
  const rule = only(d.byRule);
  if (!rule) return undefined;
  const m: Record<string, string> = { rule };
  const ns = only(d.byNs);
  if (ns) m['k8s.ns.name'] = ns;
  else {
    const host = only(d.byHost);
    if (host) m.hostname = host;
  }
  return m;
}

/** The matchers as people read them (not escaped: the caller escapes for where it goes). */
export function describeMatchers(m: Record<string, string>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
