import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alertSchema, fieldString, parsePriority, type Alert } from '../../src/alert.js';
import { mitreFromTags, templateValues } from '../../src/guidance/guidance.js';
import { fingerprintOf, subjectFieldsOf } from '../../src/incidents/fingerprint.js';
import { parseMute } from '../../src/incidents/verbs.js';
import { explainFields } from '../../src/report/field-analysis.js';
import { PROTO_KEYS } from '../helpers/alert-fuzz.js';

/**
 * Issue 11 item 1 and its class: names Object.prototype carries must find nothing in a
 * table looked up by untrusted text (alert values, typed commands, YAML keys).
 */
const alert = (o: Partial<Record<keyof Alert, unknown>> = {}): Alert =>
  alertSchema.parse({
    rule: 'Terminal shell in container',
    priority: 'Warning',
    time: '2025-02-10T09:15:40Z',
    output_fields: { 'proc.name': 'bash' },
    ...o,
  });

describe('prototype names are never table entries', () => {
  test('parsePriority knows only its own aliases', () => {
    for (const k of PROTO_KEYS) {
      assert.equal(parsePriority(k), undefined, k);
      assert.equal(alertSchema.safeParse({ ...alert(), priority: k }).success, false, k);
    }
    assert.equal(parsePriority(' WARN '), 'Warning');
  });

  test('a missing output field named like a prototype member reads as missing', () => {
    for (const k of PROTO_KEYS) assert.equal(fieldString(alert(), k), undefined, k);
    assert.equal(fieldString(alert({ output_fields: { constructor: 'x' } }), 'constructor'), 'x');
  });

  test('MITRE tags named like prototype members are neither tactics nor techniques', () => {
    const m = mitreFromTags(PROTO_KEYS.map((k) => `mitre_${k}`));
    assert.deepEqual(m, { tactics: [], techniques: [] });
  });

  test('subjects: a source or rule named like a prototype member gets the default subject', () => {
    for (const k of PROTO_KEYS) {
      const a = alert({ rule: k, source: k, hostname: 'node-1' });
      assert.deepEqual(subjectFieldsOf(a, { byRule: {}, bySource: {} }), ['hostname'], k);
      assert.match(fingerprintOf(a).fingerprint, /^[0-9a-f]+$/);
    }
  });

  test('explainers ignore flags and results named like prototype members', () => {
    const a = alert({
      output_fields: { 'evt.arg.flags': 'constructor|toString', 'evt.res': 'constructor' },
    });
    const text = JSON.stringify(explainFields(a));
    assert.doesNotMatch(text, /native code|function/);
    assert.ok(!explainFields(a).some((e) => e.topic === 'Executable flags'));
  });

  test('template values of an alert without such fields have none', () => {
    const v = templateValues(alert());
    for (const k of PROTO_KEYS) assert.equal(Object.hasOwn(v, k) || k in v, false, k);
  });

  test('mute matchers: a typed field named like a prototype member is that field, not an alias', () => {
    const r = parseMute(['rule=x', 'constructor=y', '2h', 'load', 'test']);
    assert.ok('args' in r);
    const spec = JSON.parse(r.args[0]!) as { matchers: Record<string, string> };
    assert.deepEqual(spec.matchers, { rule: 'x', constructor: 'y' });
  });
});
