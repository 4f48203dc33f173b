import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullReportModal } from '../../blocks/full-report-modal.js';
import { incidentMessage } from '../../blocks/incident-message.js';
import { alertSchema, parseFalcoTime, type Alert } from '../../src/alert.js';
import type { GuidanceLibrary } from '../../src/guidance/guidance.js';
import type { Incident } from '../../src/incidents/model.js';
import { buildIncidentView, type IncidentView } from '../../src/report/view-model.js';
import { projectRoot } from '../../src/project-root.js';
import { checkFalcoSnippet } from './falco-rules-shape.js';

/**
 * The five seed alerts (test/fixtures/seeds) and the mistakes ../shared/reference/SEED-REPORTS.md
 * lists for the reports users had before, each as a check over our report for the same alert.
 * Shared by test/unit/seed-reports.test.ts and scripts/seed-comparison.ts (docs/seed-comparison.md).
 */

export interface Seed {
  file: string;
  /** The seed report's number (000..004). */
  seed: string;
  alert: Alert;
}

export function loadSeeds(): Seed[] {
  const dir = join(projectRoot(), 'test', 'fixtures', 'seeds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      seed: file.slice(0, 3),
      alert: alertSchema.parse(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
    }));
}

export interface OurReport {
  view: IncidentView;
  /** What Slack shows: the collapsed message, then the full report modal, entities decoded. */
  message: string;
  full: string;
  /** Every code block of the report, by language. */
  code: Array<{ lang: string; content: string }>;
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function texts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => texts(n, out));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === 'text' && typeof v === 'string') out.push(v);
      else texts(v, out);
    }
  return out;
}

export function ourReport(library: GuidanceLibrary, alert: Alert): OurReport {
  const t = parseFalcoTime(alert.time);
  const incident: Incident = {
    id: 'FT-1',
    fingerprint: '0'.repeat(32),
    rule: alert.rule,
    source: alert.source ?? 'syscall',
    priority: alert.priority,
    status: 'open',
    occurrences: 1,
    firstSeen: t,
    lastSeen: t,
    latest: alert,
    expanded: false,
    channel: 'C0INCIDENTS',
    version: 1,
    renderedVersion: 0,
    threadCursor: '0-0',
    postAttempted: false,
  };
  const g = library.forAlert(alert);
  const view = buildIncidentView(incident, g, t + 60_000);
  const msg = incidentMessage(view);
  const { modal } = fullReportModal(view);
  return {
    view,
    message: decode([msg.text, ...texts(msg.blocks)].join('\n')),
    full: decode(texts(modal.blocks).join('\n')),
    code: g.doc.sections.flatMap((s) => s.steps.flatMap((st) => st.code)),
  };
}

export interface Mistake {
  seeds: string[];
  claim: string;
  truth: string;
  /** Problems in our report for this seed; empty when the mistake is absent. */
  check: (r: OurReport, seed: Seed) => string[];
}

const guidanceText = (r: OurReport) =>
  r.view.guidance.doc.sections
    .flatMap((s) => s.steps.map((st) => [st.text, ...st.code.map((c) => c.content)].join('\n')))
    .join('\n');

export const MISTAKES: Mistake[] = [
  {
    seeds: ['000'],
    claim: '`EXE_WRITABLE|EXE_LOWER_LAYER` means "elevated permissions"',
    truth: 'executable flags: writable by the user that ran it, from the image’s lower layer',
    check: (r) => {
      const p: string[] = [];
      if (/elevated (permission|privilege)/i.test(r.full)) p.push('speaks of elevated permissions');
      if (!/EXE_WRITABLE/.test(r.full) || !/writable/i.test(r.full))
        p.push('does not explain EXE_WRITABLE');
      if (!/lower layer/i.test(r.full)) p.push('does not explain EXE_LOWER_LAYER');
      return p;
    },
  },
  {
    seeds: ['000', '002'],
    claim: '`chmod 755 /tmp/`, `chmod 755 /dev/shm`',
    truth: 'both stay 1777; hardening /dev/shm means mounting it noexec,nosuid,nodev',
    check: (r, s) => {
      const p: string[] = [];
      if (/chmod\s+0?7[0-7][0-7]\s+\/(tmp|dev\/shm)/.test(guidanceText(r)))
        p.push('prints a chmod of /tmp or /dev/shm');
      if (s.seed === '002' && !/noexec/.test(guidanceText(r)))
        p.push('does not say to mount /dev/shm noexec');
      return p;
    },
  },
  {
    seeds: ['000', '001', '002', '003'],
    claim:
      'invented "Falco configuration" (`[alert]`, `expr:`, `pattern:`, `source: fs.inode`, `log_path`)',
    truth:
      'Falco rules are `- rule:`/`- macro:`/`- list:` items; tuning uses exceptions or override',
    check: (r) => {
      const p: string[] = [];
      const falco = r.code.filter((c) => c.lang === 'falco');
      if (!falco.length) p.push('no Falco snippet to tune the rule');
      for (const c of falco) p.push(...checkFalcoSnippet(c.content));
      for (const bad of [/\[alert/, /^\s*expr:/m, /^\s*pattern:/m, /fs\.inode/, /log_path/])
        if (r.code.some((c) => bad.test(c.content))) p.push(`prints ${bad}`);
      return p;
    },
  },
  {
    seeds: ['001'],
    claim: 'the event "may indicate an attempt to cover up malicious activity"',
    truth: 'paths and process show falcosecurity/event-generator: a test event, said first',
    check: (r, s) => {
      const p: string[] = [];
      const isGenerator = /event-generator/.test(JSON.stringify(s.alert));
      if (isGenerator && !r.view.testEvent) p.push('not recognised as a test event');
      if (isGenerator && !/^\[test event\]/.test(r.message)) p.push('not labelled first thing');
      return p;
    },
  },
  {
    seeds: ['001'],
    claim: 'event at "14:00:47 UTC" and, later, `time = 2024-10-05T13:00:47Z`',
    truth: 'one alert has one time, from its `time` field, in UTC',
    check: (r, s) => {
      const want = new Date(parseFalcoTime(s.alert.time)).toISOString().slice(11, 19);
      const seen = new Set(
        [...`${r.message}\n${r.full}`.matchAll(/\b(\d{2}:\d{2}:\d{2})\b/g)].map((m) => m[1]!),
      );
      const other = [...seen].filter((x) => x !== want);
      return other.length ? [`prints other times: ${other.join(', ')} (alert time ${want})`] : [];
    },
  },
  {
    seeds: ['002'],
    claim: '"File Execution: /dev/shm with permission EACCES"',
    truth: 'the execve result is `evt.res`; the executable is `proc.exepath`',
    check: (r) => {
      const p: string[] = [];
      if (!/evt\.res/.test(r.full) || !/EACCES/.test(r.full)) p.push('does not read evt.res');
      if (!/\/bin\/busybox/.test(r.full)) p.push('does not name proc.exepath');
      if (/permission EACCES/.test(r.full)) p.push('repeats the seed’s reading');
      return p;
    },
  },
  {
    seeds: ['003'],
    claim: '"use `su -` instead of sudo", `RUN set --privileged=false` in a Dockerfile',
    truth:
      'privilege is set at run time: securityContext privileged false, no privilege escalation, non-root',
    check: (r) => {
      const p: string[] = [];
      const text = guidanceText(r);
      if (/\bsu -/.test(text)) p.push('suggests su -');
      if (/--privileged=false|RUN set/.test(text)) p.push('prints the invalid Dockerfile line');
      if (r.view.guidance.specific) p.push('a custom rule must get guidance marked generic');
      if (!/generic/i.test(r.message)) p.push('the message does not say the guidance is generic');
      return p;
    },
  },
  {
    seeds: ['004'],
    claim: '`setfacl -Rm u:r-s /etc`, `getfacl -Rm /etc`, `find /etc ... chmod u+X`',
    truth: 'invalid or damaging; a symlink to /etc is contain and investigate',
    check: (r) => {
      const p: string[] = [];
      const text = guidanceText(r);
      for (const bad of [/setfacl/, /getfacl\s+-R?m/, /find \/etc[^\n]*chmod/, /chmod -R/])
        if (bad.test(text)) p.push(`prints ${bad}`);
      if (!/linkpath|evt\.arg\.linkpath|etc_link/.test(r.full)) p.push('does not name the link');
      return p;
    },
  },
  {
    seeds: ['000', '001', '002', '003', '004'],
    claim: 'generic advice (install ELK, update packages) with no link to the alert’s fields',
    truth: 'every step names what the alert names: container, host, binary, file',
    check: (r, s) => {
      const cid = String(s.alert.output_fields['container.id'] ?? '');
      const sh = r.code.filter((c) => c.lang === 'sh').map((c) => c.content);
      const p: string[] = [];
      if (!sh.length) p.push('no commands');
      if (cid && !sh.some((c) => c.includes(cid))) p.push(`no command names container ${cid}`);
      if (/\bELK\b|install (an? )?(SIEM|ELK)/i.test(guidanceText(r)))
        p.push('generic tooling advice');
      return p;
    },
  },
];
