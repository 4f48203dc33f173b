import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alertSchema } from '../../src/alert.js';
import { decodeEntry, ENTRY_VERSION } from '../../src/ingest/alert-queue.js';

const valid = alertSchema.parse({
  rule: 'Terminal shell in container',
  priority: 'warn',
  time: '2026-01-01T00:00:00.000000000Z',
  output_fields: { 'proc.name': 'bash' },
});
const fields = (alert: unknown, version?: string) => [
  ...(version ? ['v', version] : []),
  'alert',
  JSON.stringify(alert),
  'receivedAt',
  '42',
];

describe('stream entries', () => {
  test('an entry of this version is taken as ingest validated it, without the schema', () => {
    // Over the rule length limit: the schema would refuse it, so this proves it was not run.
    const long = { ...valid, rule: 'x'.repeat(2000) };
    const e = decodeEntry(['1-0', fields(long, ENTRY_VERSION)]);
    assert.equal(e.alert?.rule, long.rule);
    assert.equal(e.receivedAt, 42);
  });

  test('an entry without a version (an older replica) is validated and normalised in full', () => {
    const e = decodeEntry(['1-0', fields({ ...valid, priority: 'info' })]);
    assert.equal(e.alert?.priority, 'Informational');
    const bad = decodeEntry(['2-0', fields({ ...valid, rule: 'x'.repeat(2000) })]);
    assert.equal(bad.alert, null);
    assert.match(bad.error!, /rule/);
  });

  test('an entry of this version without the shape of a validated alert is validated in full', () => {
    for (const broken of [
      { ...valid, priority: 'warn' }, // not normalised
      { ...valid, priority: 'bogus' },
      { ...valid, output_fields: [] },
      { ...valid, time: 5 },
      'not an object',
    ]) {
      const e = decodeEntry(['1-0', fields(broken, ENTRY_VERSION)]);
      if (typeof broken === 'object' && broken.priority === 'warn')
        assert.equal(e.alert?.priority, 'Warning', 'normalised by the schema');
      else assert.equal(e.alert, null, JSON.stringify(broken));
    }
  });

  test('an unknown version is validated in full', () => {
    const e = decodeEntry(['1-0', fields({ ...valid, rule: 'x'.repeat(2000) }, '999')]);
    assert.equal(e.alert, null);
  });
});
