import { alertSchema, type Alert } from '../alert.js';
import { HttpError } from '../http/errors.js';

export interface AlertProblem {
  /** Position in a batch (array index or NDJSON line, from 0); absent for a single object. */
  item?: number;
  /** Dotted path of the offending field, e.g. "output_fields.proc.name" or "priority". */
  field: string;
  message: string;
}

/** Upper bound on items per request, so one request cannot tie up the event loop. */
export const MAX_BATCH = 10_000;

/**
 * Turns a request body into raw items: one JSON object (what Falco's http_output and
 * Falcosidekick send), a JSON array, or newline-delimited JSON (batch replays).
 * Anything that is not JSON is a 415: the sender is talking another format.
 */
export function splitItems(body: Buffer): { items: unknown[]; batch: boolean } {
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '')
    throw new HttpError(400, 'empty_body', 'the body is empty; send a Falco alert as JSON');
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return { items: value, batch: true };
    return { items: [value], batch: false };
  } catch {
    // Not a single JSON document: maybe NDJSON.
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw notJson();
  const items: unknown[] = [];
  for (const line of lines) {
    try {
      items.push(JSON.parse(line));
    } catch {
      throw notJson();
    }
  }
  return { items, batch: true };
}

function notJson(): HttpError {
  return new HttpError(
    415,
    'not_json',
    'the body is not JSON: send one Falco alert object, a JSON array of them, or newline-delimited JSON',
  );
}

/** Validates every item; all-or-nothing, so a bad request never stores anything. */
export function validateAlerts(items: unknown[], batch: boolean): Alert[] {
  if (items.length === 0) throw new HttpError(400, 'empty_batch', 'the batch holds no alerts');
  if (items.length > MAX_BATCH)
    throw new HttpError(413, 'batch_too_large', `a batch may hold at most ${MAX_BATCH} alerts`);
  const alerts: Alert[] = [];
  const problems: AlertProblem[] = [];
  items.forEach((item, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({
        ...(batch ? { item: index } : {}),
        field: '(item)',
        message: 'must be a JSON object',
      });
      return;
    }
    const parsed = alertSchema.safeParse(item);
    if (parsed.success) {
      alerts.push(parsed.data);
      return;
    }
    for (const issue of parsed.error.issues) {
      problems.push({
        ...(batch ? { item: index } : {}),
        field: issue.path.map(String).join('.') || '(item)',
        message: issue.message,
      });
    }
  });
  if (problems.length > 0) {
    // Cap the echo: a 10,000-item garbage batch should not produce a 10 MB error body.
    const shown = problems.slice(0, 100);
    throw new HttpError(400, 'invalid_alert', describe(shown, problems.length), {
      problems: shown,
      ...(problems.length > shown.length ? { more: problems.length - shown.length } : {}),
    });
  }
  return alerts;
}

function describe(problems: AlertProblem[], total: number): string {
  const first = problems[0];
  const where = first?.item !== undefined ? `item ${first.item}: ` : '';
  const head = first ? `${where}${first.field} ${first.message}` : 'invalid alert';
  return total > 1 ? `${head} (and ${total - 1} more problems)` : head;
}
