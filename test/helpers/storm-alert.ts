/**
 * The storm of the storm test and bench/storm.ts: one rule firing in many pods. Alert i
 * belongs to fingerprint i % fingerprints (its container), spread over 20 hosts and 7
 * namespaces; every alert has its own uuid, so none is a duplicate of another.
 */
export function stormAlert(
  i: number,
  fingerprints: number,
  at: number,
  over: Record<string, unknown> = {},
) {
  const f = i % fingerprints;
  return {
    uuid: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date(at).toISOString(),
    output: `A shell was spawned in a container (pod web-${f})`,
    source: 'syscall',
    hostname: `node-${f % 20}`,
    output_fields: {
      'container.id': `c0ffee${String(f).padStart(6, '0')}`,
      'k8s.ns.name': `team-${f % 7}`,
      'k8s.pod.name': `web-${f}`,
      'proc.cmdline': 'bash -i',
    },
    ...over,
  };
}
