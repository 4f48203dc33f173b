/**
 * What one process does. `ingest` answers POST /falco and Slack's requests (HTTP or
 * Socket Mode); `engine` turns the alert stream into incidents; `publisher` brings
 * Slack messages up to date from the outbox. Any subset can run in a process, so each
 * part scales on its own; every process serves /healthz, /readyz and /metrics.
 */
export const ROLES = ['ingest', 'engine', 'publisher'] as const;
export type Role = (typeof ROLES)[number];

/** "all", or a comma-separated subset such as "ingest" or "engine,publisher". */
export function parseRoles(raw: string): Role[] {
  const words = raw
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  if (words.length === 0 || (words.length === 1 && words[0] === 'all')) return [...ROLES];
  const unknown = words.filter((w) => !(ROLES as readonly string[]).includes(w));
  if (unknown.length) {
    throw new Error(
      `has unknown role ${unknown.map((u) => `"${u}"`).join(', ')}; use all or a comma-separated list of ${ROLES.join(', ')}`,
    );
  }
  return ROLES.filter((r) => words.includes(r));
}

/** The value of `--role x` or `--role=x` on the command line, if given. */
export function roleArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--role') return argv[i + 1] ?? '';
    if (a.startsWith('--role=')) return a.slice('--role='.length);
  }
  return undefined;
}
