/**
 * `npx tsx scripts/check-guidance.ts [--source k8s_audit] [slug ...]`: renders the
 * guidance of the given rules (default: every rule that has a template) with alerts
 * generated from each rule's own output fields (full values, all values missing,
 * hostile values) and runs the same checks as test/unit/guidance.test.ts: template
 * lint, leftovers, Slack-safe prose, YAML, Falco snippet shape, bash -n, shellcheck,
 * and log look-ups bounded in time (checkLookups). Claims: scripts/check-claims.ts.
 * Also prints the rendered Markdown of the first rule with --show.
 */
import { basename } from 'node:path';
import { loadCatalog, ruleSlug } from '../src/guidance/catalog.js';
import { createGuidanceLibrary } from '../src/guidance/guidance.js';
import {
  checkLookups,
  checkRendered,
  codeOf,
  lintTemplate,
  ruleTemplates,
  templatesDir,
  variants,
  type Rendered,
} from '../test/helpers/guidance-checks.js';
import { checkShellBlocks, requireShellcheck } from '../test/helpers/shell-check.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const show = args.includes('--show');
  const si = args.indexOf('--source');
  const source = si >= 0 ? args[si + 1] : undefined;
  const slugs = new Set(args.filter((a, i) => !a.startsWith('--') && (si < 0 || i !== si + 1)));
  const withTemplate = new Set(ruleTemplates.map((f) => basename(f, '.hbs')));
  const rules = loadCatalog().filter(
    (r) =>
      (!source || r.source === source) &&
      (slugs.size ? slugs.has(ruleSlug(r.name)) : withTemplate.has(ruleSlug(r.name))),
  );
  const problems: string[] = [];
  for (const f of ruleTemplates)
    if (!slugs.size || slugs.has(basename(f, '.hbs'))) problems.push(...lintTemplate(f));
  const library = createGuidanceLibrary(templatesDir);
  const rendered: Rendered[] = [];
  for (const rule of rules) {
    if (!withTemplate.has(ruleSlug(rule.name)))
      problems.push(
        `${rule.name}: no template (templates/rules/${rule.source}/${ruleSlug(rule.name)}.hbs)`,
      );
    try {
      for (const v of variants(rule))
        rendered.push({ label: v.label, guidance: library.forAlert(v.alert), hostile: v.hostile });
      rendered.push({ label: `${rule.name} [no alert]`, guidance: library.forRule(rule) });
    } catch (err) {
      problems.push(`${rule.name}: render failed: ${(err as Error).message}`);
    }
  }
  problems.push(...rendered.flatMap(checkRendered));
  problems.push(...rendered.flatMap((r) => checkLookups(r.label, r.guidance)));
  await requireShellcheck();
  const blocks = rendered.flatMap(({ label, guidance }) =>
    codeOf(guidance)
      .filter((c) => c.lang === 'sh')
      .map((c, i) => ({ id: `${label} sh#${i}`, content: c.content })),
  );
  const unique = [...new Map(blocks.map((b) => [b.content, b])).values()];
  for (const [id, ps] of await checkShellBlocks(unique)) {
    problems.push(
      `${id}: ${ps.join('; ')}\n    ${unique
        .find((b) => b.id === id)
        ?.content.split('\n')
        .join('\n    ')}`,
    );
  }
  if (show && rendered[0]) {
    const g = rendered[0].guidance;
    for (const s of g.doc.sections) {
      process.stdout.write(`\n## ${s.title}\n`);
      for (const st of s.steps) {
        process.stdout.write(`- ${st.text}\n`);
        for (const c of st.code)
          process.stdout.write(`  \`\`\`${c.lang}\n${c.content}\n  \`\`\`\n`);
      }
    }
  }
  process.stdout.write(
    `${rules.length} rules, ${rendered.length} renderings, ${unique.length} distinct shell blocks: ${problems.length} problems\n`,
  );
  for (const p of problems) process.stdout.write(`- ${p}\n`);
  process.exitCode = problems.length ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(2);
});
