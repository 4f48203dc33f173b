import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../project-root.js';
import { ruleSlug, type CatalogRule } from './catalog.js';

/**
 * A rule's claims: what its guidance says the rule does, as events the rule's real
 * condition can be evaluated on. They live beside the template
 * (`templates/rules/<source>/<slug>.claims.yaml`), and test/unit/guidance-claims.test.ts
 * checks every one against the expanded condition (see templates/CLAIMS.md).
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const fieldValue = z.union([scalar, z.null(), z.array(scalar)]);
const fields = z.record(z.string(), fieldValue);

const caseSchema = z.object({
  case: z.string().min(3),
  fields,
});

export const claimsSchema = z
  .object({
    rule: z.string().min(1),
    reviewed: z.object({
      /** The catalog's conditionHash the guidance was reviewed against. */
      condition: z.string().regex(/^[0-9a-f]{16}$/),
      on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    }),
    /**
     * Rules-file items loaded after the official file before anything is evaluated: for a
     * rule that cannot fire as shipped (an allow-list rule whose lists ship empty), the
     * reader's own list or macro, as the guidance tells them to write it.
     */
    setup: z.array(z.record(z.string(), z.unknown())).default([]),
    /** Fields every event below starts from. */
    base: fields.default({}),
    /** The alert-like event: must fire; the Tune snippets are rendered from it. */
    alert: fields,
    /** Other workloads the rule must still fire on after every Tune snippet. */
    others: z.array(caseSchema).default([]),
    /** Events that must fire: each benign cause the text lists (`benign`), and others. */
    fires: z.array(caseSchema.extend({ benign: z.string().min(3).optional() })).default([]),
    /** Events that must not fire: blind spots the text names (`text`), and wrong expectations. */
    silent: z.array(caseSchema.extend({ text: z.string().min(3).optional() })).default([]),
    /**
     * What each Tune snippet does, in order, when it is not "silence the alert, keep the
     * others firing" (a snippet that replaces a placeholder macro makes a rule fire): the
     * events (`alert` or a case name) that must fire and must not once it is loaded.
     */
    tune: z
      .array(
        z
          .object({
            fires: z.array(z.string()).default([]),
            silent: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type Claims = z.infer<typeof claimsSchema>;
export type ClaimFields = Claims['alert'];

export function claimsPath(rule: Pick<CatalogRule, 'name' | 'source'>): string {
  return join(
    projectRoot(),
    'templates',
    'rules',
    rule.source,
    `${ruleSlug(rule.name)}.claims.yaml`,
  );
}

export class ClaimsError extends Error {}

/** The rule's claims, or undefined when it has none yet. */
export function loadClaims(rule: Pick<CatalogRule, 'name' | 'source'>): Claims | undefined {
  const path = claimsPath(rule);
  if (!existsSync(path)) return undefined;
  const parsed = claimsSchema.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new ClaimsError(`${path}: ${z.prettifyError(parsed.error)}`);
  if (parsed.data.rule !== rule.name)
    throw new ClaimsError(`${path}: claims name rule "${parsed.data.rule}", not "${rule.name}"`);
  return parsed.data;
}
