import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { outputFieldsOf } from '../../scripts/build-catalog.js';
import { currentRules, findRule, loadCatalog, ruleSlug } from '../../src/guidance/catalog.js';

describe('rule catalog', () => {
  test('holds every official ruleset with the counts of the rules files', () => {
    const counts: Record<string, number> = {};
    for (const r of loadCatalog()) counts[r.ruleset] = (counts[r.ruleset] ?? 0) + 1;
    assert.deepEqual(counts, {
      stable: 25,
      incubating: 31,
      sandbox: 37,
      deprecated: 4,
      k8saudit: 48,
      cloudtrail: 22,
      gcpaudit: 39,
      github: 15,
      okta: 21,
    });
    assert.equal(currentRules().length, 238);
    assert.ok(currentRules().every((r) => !r.deprecated));
  });

  test('slugs are unique, so each rule has exactly one template file name', () => {
    const slugs = loadCatalog().map((r) => ruleSlug(r.name));
    assert.equal(new Set(slugs).size, slugs.length);
    assert.equal(ruleSlug('Attach/Exec Pod'), 'attach-exec-pod');
    assert.equal(
      ruleSlug('Backdoored library loaded into SSHD (CVE-2024-3094)'),
      'backdoored-library-loaded-into-sshd-cve-2024-3094',
    );
  });

  test('every rule carries its output fields, tags and a documentation link', () => {
    for (const r of currentRules()) {
      assert.ok(r.outputFields.length > 0, `${r.name} has no output fields`);
      assert.ok(r.docsUrl.startsWith('https://github.com/falcosecurity/'), r.name);
      for (const f of r.outputFields) assert.ok(r.output.includes(`%${f}`), `${r.name}: ${f}`);
    }
    const shell = findRule('Terminal shell in container')!;
    assert.equal(shell.source, 'syscall');
    assert.equal(shell.priority, 'Notice');
    assert.ok(shell.mitre.tactics.includes('execution'));
    assert.ok(shell.mitre.techniques.includes('T1059'));
  });

  test('a mitre_ tag that names a technique is shown as that technique, not as a tactic', () => {
    const bucket = findRule('GCP Bucket deleted')!;
    assert.ok(bucket.tags.includes('mitre_data_destruction'));
    assert.deepEqual(bucket.mitre.tactics, []);
    assert.ok(bucket.mitre.techniques.includes('T1485'));
    for (const r of loadCatalog())
      for (const t of r.mitre.tactics)
        assert.match(
          t,
          /^(initial_access|execution|persistence|privilege_escalation|defense_evasion|credential_access|discovery|lateral_movement|collection|command_and_control|exfiltration|impact|reconnaissance|resource_development)$/,
          `${r.name}: ${t}`,
        );
  });

  test('output fields: brackets and paths are part of the field name', () => {
    assert.deepEqual(
      outputFieldsOf(
        'a=%proc.aname[2] b=%json.value[/user/x], c=%ka.target.name/%ka.target.resource d=%okta.mfa.deny.countlast[300])',
      ),
      [
        'proc.aname[2]',
        'json.value[/user/x]',
        'ka.target.name',
        'ka.target.resource',
        'okta.mfa.deny.countlast[300]',
      ],
    );
  });

  test('finds a rule by exact name, then ignoring case and punctuation; unknown is undefined', () => {
    assert.equal(findRule('Attach/Exec Pod')?.source, 'k8s_audit');
    assert.equal(findRule('attach exec pod')?.name, 'Attach/Exec Pod');
    assert.equal(
      findRule('GCP IAM serviceAccount deleted')?.name,
      'GCP IAM service account deleted',
      'older plugin spelling',
    );
    assert.equal(findRule('Detect Shell in Container'), undefined);
  });
});
