/**
 * The mutants scripts/mutation-check.ts applies: each replaces one exact piece of text
 * (found once in its file) with a broken version, and names the tests that should fail.
 * Found by text so the list survives edits elsewhere in the files.
 */
export interface Mutant {
  file: string;
  /** What the mutation breaks, in words. */
  name: string;
  find: string;
  replace: string;
  tests: string[];
}

const VERBS = ['test/unit/verbs.test.ts', 'test/integration/slash-command.test.ts'];
const TRIAGE = [
  'test/integration/store-triage.test.ts',
  'test/integration/store-retention.test.ts',
];
const OCCURRENCES = [
  'test/integration/store-occurrences.test.ts',
  'test/integration/store-dedupe-replay.test.ts',
  'test/integration/store-triage.test.ts',
];
const FINGERPRINT = ['test/unit/fingerprint.test.ts'];
const TEXT = ['test/unit/text.test.ts'];
const INGEST = ['test/integration/ingest.test.ts'];
const PERMISSIONS = [
  'test/integration/interactions.test.ts',
  'test/integration/slash-command.test.ts',
  'test/integration/thread-mentions.test.ts',
];

const verbs = 'src/incidents/verbs.ts';
const transition = 'src/incidents/lua/includes/transition.lua';
const record = 'src/incidents/lua/recordOccurrence-13.lua';
const fingerprint = 'src/incidents/fingerprint.ts';

export const MUTANTS: Mutant[] = [
  // State: which verbs are offered and accepted.
  {
    file: verbs,
    name: 'snooze offered while already snoozed',
    find: 'offered: onIncident((i, now) => open(i) && !snoozed(i, now)),',
    replace: 'offered: onIncident((i) => open(i)),',
    tests: VERBS,
  },
  {
    file: verbs,
    name: 'a snooze longer than the maximum accepted',
    find: 'minutes > 0 && minutes <= MAX_SNOOZE_MINUTES',
    replace: 'minutes > 0',
    tests: VERBS,
  },
  {
    file: verbs,
    name: 'any resolution reason accepted',
    find: 'if (!(RESOLUTION_REASONS as readonly string[]).includes(reason))',
    replace: 'if (false)',
    tests: VERBS,
  },
  {
    file: verbs,
    name: 'a mute without a reason accepted',
    find: 'if (!spec.reason) return',
    replace: 'if (false) return',
    tests: VERBS,
  },
  {
    file: verbs,
    name: 'a mute longer than 90 days accepted',
    find: 'if (!(minutes > 0 && minutes <= MAX_MUTE_MINUTES))',
    replace: 'if (!(minutes > 0))',
    tests: VERBS,
  },
  {
    file: verbs,
    name: 'unacknowledge offered on an open incident',
    find: "offered: onIncident((i) => i.status === 'acknowledged'),",
    replace: 'offered: onIncident(open),',
    tests: VERBS,
  },
  // State: the Lua transition every person's change goes through.
  {
    file: transition,
    name: 'acknowledging twice allowed',
    find: "if status == 'acknowledged' then refusal = 'already_acknowledged'",
    replace: "if false then refusal = 'already_acknowledged'",
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'unacknowledging an open incident allowed',
    find: "if status == 'open' then refusal = 'not_acknowledged'",
    replace: "if false then refusal = 'not_acknowledged'",
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'assigning to the current assignee allowed',
    find: "elseif arg1 == assignee then refusal = 'already_assigned' end",
    replace: "elseif false then refusal = 'already_assigned' end",
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'reopening an unresolved incident allowed',
    find: "if status ~= 'resolved' then refusal = 'not_resolved' end",
    replace: "if false then refusal = 'not_resolved' end",
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'snoozing into the past allowed',
    find: "elseif num(arg1, 0) <= now then refusal = 'snooze_in_past' end",
    replace: "elseif false then refusal = 'snooze_in_past' end",
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'a stale version is not refused',
    find: "if expected ~= '' and expected ~= version then",
    replace: 'if false then',
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'a resolved incident stays in the open index',
    find: "    redis.call('ZREM', openKey, id)\n",
    replace: '',
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'a resolved incident never expires',
    find: "    redis.call('EXPIRE', key, retention)\n",
    replace: '',
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'a reopened incident keeps its expiry',
    find: "    redis.call('PERSIST', key)\n",
    replace: '',
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'the version is not bumped',
    find: "  redis.call('HINCRBY', key, 'version', 1)\n",
    replace: '',
    tests: TRIAGE,
  },
  {
    file: transition,
    name: 'unassign leaves the assignee on the incident',
    find: "    redis.call('HDEL', key, 'assignee')\n",
    replace: '',
    tests: TRIAGE,
  },
  // Dedupe: recordOccurrence and the fingerprint.
  {
    file: record,
    name: 'a late occurrence reopens instead of opening a new incident',
    find: 'if now - num(h[2], 0) > reopenWindow then',
    replace: 'if now - num(h[2], 0) < reopenWindow then',
    tests: OCCURRENCES,
  },
  {
    file: record,
    name: 'an event id already seen is counted again',
    find: 'if isDuplicate(KEYS[1], tag, now, dedupeWindow) then',
    replace: 'if false then',
    tests: OCCURRENCES,
  },
  {
    file: record,
    name: 'a grouped occurrence is not remembered as seen',
    find: 'local key, timeline = incidentKey(base, id), timelineKey(base, id)\nrememberEvent(KEYS[1], tag, now, dedupeWindow, dedupeCap)\n',
    replace: 'local key, timeline = incidentKey(base, id), timelineKey(base, id)\n',
    tests: OCCURRENCES,
  },
  {
    file: record,
    name: 'every occurrence starts a new burst (no coalescing)',
    find: 'if now - num(b[1], 0) >= coalesceMs then',
    replace: 'if true then',
    tests: OCCURRENCES,
  },
  {
    file: fingerprint,
    name: "Falcosidekick's uuid ignored",
    find: 'if (alert.uuid) return `uuid:${alert.uuid}`;',
    replace: '',
    tests: FINGERPRINT,
  },
  {
    file: fingerprint,
    name: 'the event time left out of the event id',
    find: '    time: alert.time,\n',
    replace: '',
    tests: FINGERPRINT,
  },
  {
    file: fingerprint,
    name: 'containers on one host share a fingerprint',
    find: "if (container !== undefined && container !== 'host') return [HOSTNAME, 'container.id'];",
    replace: 'if (container !== undefined) return [HOSTNAME];',
    tests: FINGERPRINT,
  },
  {
    file: fingerprint,
    name: 'field names left out of the fingerprint',
    find: '.map((k) => `${k}=${subject[k]}`);',
    replace: '.map((k) => `${subject[k]}`);',
    tests: FINGERPRINT,
  },
  {
    file: fingerprint,
    name: 'the query string kept in ka.uri',
    find: "if (v !== undefined && field === 'ka.uri') return v.split('?')[0] || undefined;",
    replace: '',
    tests: FINGERPRINT,
  },
  {
    file: fingerprint,
    name: 'canonical JSON keeps key order',
    find: '      .sort()\n      .map((k) => `${JSON.stringify(k)}',
    replace: '      .map((k) => `${JSON.stringify(k)}',
    tests: FINGERPRINT,
  },
  // Escaping.
  {
    file: 'src/text/mrkdwn.ts',
    name: '& not escaped',
    find: ".replace(/&/g, '&amp;')",
    replace: '',
    tests: TEXT,
  },
  {
    file: 'src/text/mrkdwn.ts',
    name: '* left as bold in prose',
    find: ".replace(/\\*/g, '∗')",
    replace: '',
    tests: TEXT,
  },
  {
    file: 'src/text/mrkdwn.ts',
    name: 'a leading > left as a quote in prose',
    find: ".replace(/^&gt;/gm, '›')",
    replace: '',
    tests: TEXT,
  },
  {
    file: 'src/text/mrkdwn.ts',
    name: 'three backticks can end a code block',
    find: '.replace(/`{3,}/g,',
    replace: '.replace(/`{4,}/g,',
    tests: TEXT,
  },
  {
    file: 'src/text/mrkdwn.ts',
    name: '< left as is in plain text',
    find: ".replace(/</g, '‹')",
    replace: '',
    tests: TEXT,
  },
  {
    file: 'src/text/shell-quote.ts',
    name: 'a value starting with - left bare (an option)',
    find: "if (BARE.test(value) && !value.startsWith('-')) return value;",
    replace: 'if (BARE.test(value)) return value;',
    tests: TEXT,
  },
  {
    file: 'src/text/shell-quote.ts',
    name: "' not escaped inside $'...'",
    find: 'else if (ch === "\'") out += "\\\\\'";',
    replace: '',
    tests: TEXT,
  },
  {
    file: 'src/text/yaml-quote.ts',
    name: '" not escaped in YAML',
    find: "if (ch === '\"') out += '\\\\\"';",
    replace: 'if (false) out += "";',
    tests: TEXT,
  },
  {
    file: 'src/text/invisible.ts',
    name: 'lone surrogates not revealed',
    find: '    .replace(LONE_SURROGATE, (ch) => `⟨${codePointName(ch)}⟩`);',
    replace: '    ;',
    tests: TEXT,
  },
  // Auth.
  {
    file: 'src/ingest/auth.ts',
    name: 'any token accepted',
    find: 'return timingSafeEqual(a, digestOf(expected));',
    replace: 'return a.length > 0;',
    tests: INGEST,
  },
  {
    file: 'src/ingest/auth.ts',
    name: '?token= ignored',
    find: "presented ??= new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined;",
    replace: 'presented ??= undefined;',
    tests: INGEST,
  },
  {
    file: 'src/slack/permissions.ts',
    name: 'the permission lists ignored',
    find: 'if (!this.restricted) return true;',
    replace: 'return true;',
    tests: PERMISSIONS,
  },
  {
    file: 'src/slack/permissions.ts',
    name: 'anyone may act when only users are listed',
    find: 'if (this.usergroups.length === 0) return false;',
    replace: 'if (this.usergroups.length === 0) return true;',
    tests: PERMISSIONS,
  },
];
