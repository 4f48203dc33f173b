import { z } from 'zod';
import { ownValue } from './lookup-table.js';

/**
 * Falco priorities, highest first. Falco prints them capitalised ("Warning"), but
 * rules files, Falcosidekick and hand-written replays use any letter case, and
 * Falcosidekick abbreviates Informational as "info".
 */
export const PRIORITIES = [
  'Emergency',
  'Alert',
  'Critical',
  'Error',
  'Warning',
  'Notice',
  'Informational',
  'Debug',
] as const;
export type Priority = (typeof PRIORITIES)[number];

// A Map, not an object literal: "constructor" or "__proto__" must find nothing (an
// inherited name once passed validation here and the engine then dropped the alert).
const PRIORITY_ALIASES: ReadonlyMap<string, Priority> = new Map([
  ['emergency', 'Emergency'],
  ['alert', 'Alert'],
  ['critical', 'Critical'],
  ['error', 'Error'],
  ['warning', 'Warning'],
  ['warn', 'Warning'],
  ['notice', 'Notice'],
  ['informational', 'Informational'],
  ['info', 'Informational'],
  ['debug', 'Debug'],
]);

/** 0 is the most severe; used to keep the highest priority seen on an incident. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

export function parsePriority(raw: string): Priority | undefined {
  return PRIORITY_ALIASES.get(raw.trim().toLowerCase());
}

/**
 * Values Falco puts in output_fields: strings, numbers, booleans, null, and (for some
 * plugin fields) arrays of those. Anything deeper is not something Falco emits.
 */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const fieldValueSchema = z.union([scalar, z.array(scalar)]);
export type FieldValue = z.infer<typeof fieldValueSchema>;

const prioritySchema = z.string().transform((raw, ctx) => {
  const p = parsePriority(raw);
  if (!p) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown priority "${raw.slice(0, 40)}"; expected one of ${PRIORITIES.join(', ')} (any case) or "info"`,
    });
    return z.NEVER;
  }
  return p;
});

// Falco writes RFC 3339 with nanoseconds ("2025-02-10T09:15:40.698757000Z"), which
// Date.parse handles only after trimming to milliseconds.
const timeSchema = z.string().refine((s) => !Number.isNaN(parseFalcoTime(s)), {
  message: 'time must be an RFC 3339 timestamp such as 2025-02-10T09:15:40.698757000Z',
});

export function parseFalcoTime(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(s.trim());
  if (!m) return Number.NaN;
  const frac = m[2] ? m[2].slice(0, 4) : '';
  return Date.parse(`${m[1]}${frac}${m[3]}`);
}

export const alertSchema = z.object({
  rule: z.string().min(1, 'rule must be a non-empty string').max(1024),
  priority: prioritySchema,
  time: timeSchema,
  output: z.string().max(1_000_000).default(''),
  output_fields: z.record(z.string().max(512), fieldValueSchema).default({}),
  source: z.string().max(256).optional(),
  tags: z.array(z.string().max(512)).max(512).optional(),
  hostname: z.string().max(1024).optional(),
  uuid: z.string().max(256).optional(),
});

/** A validated alert, exactly as the sender meant it (priority normalised). */
export type Alert = z.infer<typeof alertSchema>;

/** Falco's `internal` source carries metrics snapshots, not security events. */
export function isInternal(alert: Alert): boolean {
  return alert.source === 'internal';
}

/** Legacy Falco (before 0.31) sent no `source`; everything it sent was syscall. */
export function sourceOf(alert: Alert): string {
  return alert.source ?? 'syscall';
}

export function fieldString(alert: Alert, key: string): string | undefined {
  // Own keys only: a missing "toString" field must not read Object.prototype's.
  return displayValue(ownValue(alert.output_fields, key));
}

/**
 * The printable form of a field, or undefined when Falco had no value. Falco prints a
 * missing value as null or as the literal "<NA>"; both mean "unknown", never a value.
 */
export function displayValue(v: FieldValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const parts = v.map((x) => displayValue(x)).filter((x): x is string => x !== undefined);
    return parts.length ? parts.join(', ') : undefined;
  }
  const s = String(v);
  if (s === '' || s === '<NA>' || s === 'N/A') return undefined;
  return s;
}
