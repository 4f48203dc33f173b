import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fullReportModal } from '../../blocks/full-report-modal.js';
import { incidentMessage } from '../../blocks/incident-message.js';
import { ruleGuidanceMessage } from '../../blocks/rule-guidance.js';
import { alertSchema, parseFalcoTime, type Alert } from '../../src/alert.js';
import { currentRules } from '../../src/guidance/catalog.js';
import { createGuidanceLibrary } from '../../src/guidance/guidance.js';
import type { Incident } from '../../src/incidents/model.js';
import { createRenderer } from '../../src/report/render.js';
import { buildIncidentView } from '../../src/report/view-model.js';
import { alertFromRule, fieldsOf } from '../helpers/alert-from-rule.js';
import { checkMessage, checkView } from '../helpers/block-kit-limits.js';
import { HUGE, INJECTION_CORPUS } from '../helpers/injection-corpus.js';

/**
 * The incident message (collapsed and expanded) and the Full report modal, built by the
 * same pure functions the bot uses, for every sample alert, for an alert generated from
 * every official rule's output, in every state, and for hostile and oversized alerts.
 */

const library = createGuidanceLibrary();
const NOW = Date.parse('2026-11-22T12:00:00Z');

const samplesDir = join(import.meta.dirname, '..', 'fixtures', 'samples');
const samples: Array<{ label: string; alert: Alert }> = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({
    label: f,
    alert: alertSchema.parse(JSON.parse(readFileSync(join(samplesDir, f), 'utf8'))),
  }))
  .filter((s) => s.alert.source !== 'internal');

function incidentOf(alert: Alert, state: Partial<Incident> = {}): Incident {
  const t = parseFalcoTime(alert.time);
  return {
    id: 'FT-42',
    fingerprint: 'f'.repeat(32),
    rule: alert.rule,
    source: alert.source ?? 'syscall',
    priority: alert.priority,
    status: 'open',
    occurrences: 3,
    firstSeen: t - 60_000,
    lastSeen: t,
    latest: alert,
    expanded: false,
    channel: 'C0TEST00001',
    ts: '1795368941.484000',
    version: 5,
    renderedVersion: 4,
    threadCursor: '0-0',
    postAttempted: false,
    ...state,
  };
}

const STATES: Array<{ name: string; state: Partial<Incident> }> = [
  { name: 'open', state: {} },
  { name: 'expanded', state: { expanded: true } },
  {
    name: 'acknowledged+assigned+snoozed',
    state: {
      status: 'acknowledged',
      acknowledgedBy: 'U0ALICE001',
      assignee: 'U0BOB00001',
      snoozedUntil: NOW + 3_600_000,
    },
  },
  {
    name: 'resolved',
    state: {
      status: 'resolved',
      resolvedBy: 'U0ALICE001',
      resolution: 'false_positive',
      resolutionNote: 'x',
    },
  },
];

interface Surface {
  label: string;
  texts: string[];
  problems: string[];
  json: string;
}

/** Every string a person reads in a Block Kit payload. */
function textsOf(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') return out;
  if (Array.isArray(node)) {
    for (const n of node) textsOf(n, out);
    return out;
  }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'text' && typeof v === 'string') out.push(v);
      else textsOf(v, out);
    }
  }
  return out;
}

function surfaces(label: string, incident: Incident): Surface[] {
  const view = buildIncidentView(incident, library.forAlert(incident.latest), NOW);
  const msg = incidentMessage(view);
  const { modal } = fullReportModal(view);
  return [
    {
      label: `${label} message`,
      texts: [msg.text, ...textsOf(msg.blocks)],
      problems: checkMessage(msg),
      json: JSON.stringify(msg),
    },
    {
      label: `${label} modal`,
      texts: textsOf(modal.blocks),
      problems: checkView(modal),
      json: JSON.stringify(modal),
    },
  ];
}

const MISSING = [
  /\bundefined\b/,
  /(?<!\/dev\/)\bnull\b/,
  /\bNaN\b/,
  /&lt;NA&gt;/,
  /<NA>/,
  /\[object Object\]/,
];

/**
 * The generated "What this rule matches" quotes the official condition, which may itself
 * test for Falco's `<NA>` (`not proc.name in (<NA>, N/A)`): that is rule text, not a
 * missing value, so its code spans are left out of the scan.
 */
const CONDITION_SPANS = /(• (?:Requires|Excludes) |\*Matches\*: )`[^`]*`/g;

/** `null` inside a code block is code (a jq filter, a shell test), not a missing value. */
const CODE_BLOCKS = /```[\s\S]*?```/g;
const NULL = MISSING[1]!;

function checkClean(s: Surface): string[] {
  const out = s.problems.map((p) => `${s.label}: ${p}`);
  for (const raw of s.texts.map((x) => x.replace(CONDITION_SPANS, '$1')))
    for (const re of MISSING) {
      const t = re === NULL ? raw.replace(CODE_BLOCKS, '```…```') : raw;
      if (re.test(t)) {
        const at = t.search(re);
        out.push(`${s.label}: prints ${re}: …${t.slice(Math.max(0, at - 100), at + 40)}`);
      }
    }
  return out;
}

describe('incident message and full report', () => {
  test('every sample alert, in every state: within Block Kit limits, three parts, nothing missing printed', () => {
    const problems: string[] = [];
    for (const { label, alert } of samples) {
      for (const { name, state } of STATES) {
        const [msg, modal] = surfaces(`${label} ${name}`, incidentOf(alert, state));
        problems.push(...checkClean(msg!), ...checkClean(modal!));
        const m = msg!.json;
        // Summary and first mitigation steps in every message; analysis when expanded.
        if (!/First steps|\*Triage\*/.test(m)) problems.push(`${msg!.label}: no mitigation steps`);
        if (state.expanded && !m.includes('Detailed analysis'))
          problems.push(`${msg!.label}: expanded without the detailed analysis`);
        for (const part of ['*Summary*', 'Detailed analysis', 'Triage', 'Contain'])
          if (!modal!.json.includes(part)) problems.push(`${modal!.label}: lacks ${part}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('an alert generated from every official rule’s output, with values and with every value missing', () => {
    const problems: string[] = [];
    for (const rule of currentRules()) {
      const variants = [
        { label: `${rule.name} [values]`, alert: alertFromRule(rule) },
        {
          label: `${rule.name} [missing]`,
          alert: { ...alertFromRule(rule, { missing: fieldsOf(rule) }), hostname: undefined },
        },
      ];
      for (const v of variants) {
        for (const { name, state } of [STATES[0]!, STATES[1]!]) {
          const [msg, modal] = surfaces(`${v.label} ${name}`, incidentOf(v.alert, state));
          problems.push(...checkClean(msg!), ...checkClean(modal!));
          for (const part of ['*Summary*', 'Detailed analysis', 'Triage', 'Contain'])
            if (!modal!.json.includes(part)) problems.push(`${modal!.label}: lacks ${part}`);
        }
      }
    }
    assert.deepEqual(problems.slice(0, 30), [], `${problems.length} problems`);
  });

  test('test events from falcosecurity/event-generator are labelled first thing', () => {
    const sample = samples.find((s) => /event-generator/.test(JSON.stringify(s.alert)));
    const alert: Alert = sample?.alert ?? {
      rule: 'Execution from /dev/shm',
      priority: 'Warning',
      time: '2026-11-22T10:15:30Z',
      output: '',
      output_fields: {
        'proc.exepath': '/dev/shm/falco-event-generator-syscall-ExecutionFromDevShm-x',
        'proc.pname': 'event-generator',
      },
    };
    const view = buildIncidentView(incidentOf(alert), library.forAlert(alert), NOW);
    const msg = incidentMessage(view);
    assert.match(msg.text, /^\[test event\]/);
    assert.match(JSON.stringify(msg.blocks.slice(0, 2)), /Test event/);
  });
});

describe('hostile and oversized alerts', () => {
  const base = alertFromRule(currentRules().find((r) => r.name === 'Terminal shell in container')!);

  test('every injection string in every field that is shown: nothing escapes its box', () => {
    const problems: string[] = [];
    for (const c of INJECTION_CORPUS) {
      const fields = Object.fromEntries(Object.keys(base.output_fields).map((k) => [k, c.value]));
      const alert: Alert = {
        ...base,
        rule: `Terminal shell in container ${c.value}`,
        output: c.value,
        output_fields: fields,
        hostname: c.value,
        tags: [c.value],
      };
      for (const { name, state } of STATES) {
        for (const s of surfaces(`${c.name} ${name}`, incidentOf(alert, state))) {
          problems.push(...s.problems.map((p) => `${s.label}: ${p}`));
          for (const t of s.texts) {
            // Only our own links and the status line's user ids may use Slack's <...> syntax.
            for (const m of t.matchAll(/<([^>]*)>/g)) {
              const inner = m[1]!;
              const ours =
                /^https:\/\/(attack\.mitre\.org|github\.com\/falcosecurity|falco\.org|kubernetes\.io|docs\.|cloud\.google\.com|developer\.okta\.com|help\.okta\.com)[^\s|]*\|[^<>]*$/.test(
                  inner,
                ) || /^@U0(ALICE001|BOB00001)$/.test(inner);
              if (!ours) problems.push(`${s.label}: Slack markup <${inner.slice(0, 60)}>`);
            }
            if ((t.match(/```/g) ?? []).length % 2)
              problems.push(`${s.label}: a code fence is left open: ${t.slice(0, 80)}`);
            if (/[\u202a-\u202e\u2066-\u2069\u200b-\u200d\ufeff]/.test(t))
              problems.push(`${s.label}: invisible or bidi character reached Slack`);
          }
          for (const h of (JSON.parse(s.json) as { blocks: Array<Record<string, unknown>> }).blocks)
            if (h.type === 'header' && /\n/.test(String((h.text as { text: string }).text)))
              problems.push(`${s.label}: header spans lines`);
        }
      }
    }
    assert.deepEqual(problems.slice(0, 30), [], `${problems.length} problems`);
  });

  test('a 100 KB command line and 300 output fields: within limits, trimmed with a visible marker', () => {
    const fields: Record<string, string | number> = { ...base.output_fields } as Record<
      string,
      string | number
    >;
    fields['proc.cmdline'] = HUGE;
    for (let i = 0; i < 300; i++) fields[`custom.field${i}`] = `value ${i} ${'x'.repeat(200)}`;
    const alert: Alert = { ...base, output: HUGE, output_fields: fields };
    for (const { name, state } of STATES) {
      for (const s of surfaces(`huge ${name}`, incidentOf(alert, state))) {
        assert.deepEqual(s.problems, [], s.label);
        assert.ok(s.json.length < 400_000, `${s.label} is ${s.json.length} bytes`);
        assert.match(s.json, /characters trimmed\]|more parts|did not fit|do not fit/, s.label);
      }
    }
  });
});

describe('what the rule matches, generated from its condition', () => {
  const rule = currentRules().find((r) => r.name === 'Terminal shell in container')!;
  const alert = alertFromRule(rule);

  test('the collapsed message has the one-line form, the expanded message and the full report the whole part', () => {
    const [collapsed, modal] = surfaces('shell', incidentOf(alert));
    assert.match(
      collapsed!.json,
      /\*Matches\*: `execve\/execveat: spawned_process and container and shell_procs/,
    );
    assert.match(modal!.json, /What this rule matches/);
    assert.match(modal!.json, /• Requires `shell_procs: proc.name in shell_binaries \[ash, bash/);
    assert.match(
      modal!.json,
      /• Excludes `user_expected_terminal_shell_in_container_conditions \(empty until you override it\)`/,
    );
    const [expanded] = surfaces('shell', incidentOf(alert, { expanded: true }));
    assert.match(expanded!.json, /What this rule matches/);
  });

  test('/falco rule shows it too, and a custom rule (no condition known) has none', () => {
    const msg = ruleGuidanceMessage(library.forRule(rule), [], { withPostButton: false });
    assert.match(JSON.stringify(msg), /What this rule matches[\s\S]*Events: `execve`, `execveat`/);
    const custom = { ...alert, rule: 'My own shell rule' };
    const [m] = surfaces('custom', incidentOf(custom, { rule: custom.rule }));
    assert.doesNotMatch(m!.json, /Matches\*:|What this rule matches/);
  });

  test('it is the condition’s, not a text: a different condition gives a different summary', () => {
    const other = currentRules().find((r) => r.name === 'Clear Log Activities')!;
    const [m] = surfaces('log', incidentOf(alertFromRule(other)));
    assert.match(
      m!.json,
      /\*Matches\*: `open\/openat\/openat2: open_write and access_log_files and evt.arg.flags contains O_TRUNC/,
    );
  });
});

describe('the notification text (top-level `text`)', () => {
  const base = alertFromRule(currentRules().find((r) => r.name === 'Terminal shell in container')!);
  // Issue 11 item 7: it carried unbalanced ``` fences and *_~ from alert values.
  const formatting = /[`*~<>]|(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])|^&gt;/u;

  test('no formatting, mention or link from any injection value, for messages and fallbacks', () => {
    const renderer = createRenderer({ guidance: library, now: () => NOW });
    const problems: string[] = [];
    for (const c of INJECTION_CORPUS) {
      const fields = Object.fromEntries(Object.keys(base.output_fields).map((k) => [k, c.value]));
      const alert: Alert = {
        ...base,
        rule: `Shell ${c.value}`,
        output: c.value,
        output_fields: fields,
      };
      const incident = incidentOf(alert);
      const texts = {
        message: incidentMessage(buildIncidentView(incident, library.forAlert(alert), NOW)).text,
        fallback: renderer.renderFallback(incident).text,
      };
      for (const [where, text] of Object.entries(texts)) {
        if (formatting.test(text)) problems.push(`${c.name} (${where}): ${text.slice(0, 120)}`);
        if (/\n/.test(text)) problems.push(`${c.name} (${where}): a line break`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
