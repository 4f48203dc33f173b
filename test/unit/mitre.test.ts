import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mitreLine } from '../../blocks/guidance-blocks.js';
import { createGuidanceLibrary, mitreFromTags, tacticName } from '../../src/guidance/guidance.js';
import { findRule } from '../../src/guidance/catalog.js';
import { alertFromRule } from '../helpers/alert-from-rule.js';

/** Issue 11 item 10: the MITRE look-up returning nothing survived the whole suite. */
describe('MITRE ATT&CK from rule tags', () => {
  test('tactic tags, technique ids and technique-named tags are read', () => {
    assert.deepEqual(
      mitreFromTags([
        'container',
        'mitre_execution',
        'T1059',
        'T1611.001',
        'mitre_data_destruction',
      ]),
      { tactics: ['execution'], techniques: ['T1059', 'T1611.001', 'T1485'] },
    );
    assert.equal(tacticName('privilege_escalation'), 'Privilege Escalation');
  });

  test('an official rule’s guidance names its tactic and links its technique', () => {
    const rule = findRule('Terminal shell in container');
    assert.ok(rule);
    const g = createGuidanceLibrary().forAlert(alertFromRule(rule));
    assert.ok(g.mitre.tactics.includes('execution'), JSON.stringify(g.mitre));
    assert.ok(g.mitre.techniques.includes('T1059'), JSON.stringify(g.mitre));
    const line = mitreLine(g.mitre) ?? '';
    assert.match(line, /tactic Execution/);
    assert.match(line, /<https:\/\/attack\.mitre\.org\/techniques\/T1059\/\|T1059>/);
    assert.ok(g.doc.references.some((r) => r.url === 'https://attack.mitre.org/techniques/T1059/'));
  });
});
