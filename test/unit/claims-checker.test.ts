import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findRule } from '../../src/guidance/catalog.js';
import { loadClaims, type Claims } from '../../src/guidance/claims.js';
import { createGuidanceLibrary } from '../../src/guidance/guidance.js';
import { checkClaims } from '../helpers/claims-check.js';
import { templatesDir } from '../helpers/guidance-checks.js';

/** The claims checker itself: each kind of false claim is caught. */
const library = createGuidanceLibrary(templatesDir);
const rule = findRule('Terminal shell in container')!;
const good = loadClaims(rule)!;
const check = (edit: (c: Claims) => void) => {
  const c = structuredClone(good);
  edit(c);
  return checkClaims(rule, c, library).problems;
};

describe('claims checker', () => {
  test('the reference claims hold', () => {
    assert.deepEqual(checkClaims(rule, good, library).problems, []);
  });

  test('an alert that cannot fire is caught', () => {
    const p = check((c) => (c.alert = { 'proc.tty': 0 }));
    assert.ok(
      p.some((x) => x.startsWith('alert: does not fire')),
      p.join('\n'),
    );
  });

  test('a benign cause the condition excludes is caught', () => {
    const p = check((c) => (c.fires.find((f) => f.benign)!.fields = { 'proc.pname': 'bash' }));
    assert.ok(
      p.some((x) => /fires ".*": does not fire/.test(x)),
      p.join('\n'),
    );
  });

  test('a benign cause in the text without a firing event is caught', () => {
    const p = check((c) => (c.fires = c.fires.filter((f) => f.benign !== 'kubectl run -it --rm')));
    assert.ok(
      p.some((x) => x.startsWith('benign cause 2 has no firing event')),
      p.join('\n'),
    );
  });

  test('a benign claim that names no cause of the text is caught', () => {
    const p = check((c) => (c.fires[0]!.benign = 'cron job at midnight'));
    assert.ok(
      p.some((x) => x.includes('matches 0 benign causes')),
      p.join('\n'),
    );
  });

  test('a blind spot the text does not state is caught, and one that fires is caught', () => {
    const p1 = check((c) => (c.silent[0]!.text = 'never fires for kubectl attach'));
    assert.ok(
      p1.some((x) => x.includes('the guidance does not say')),
      p1.join('\n'),
    );
    const p2 = check((c) => (c.silent[0]!.fields = { 'proc.tty': 5 }));
    assert.ok(
      p2.some((x) => /silent ".*": fires/.test(x)),
      p2.join('\n'),
    );
  });

  test('a field the condition reads but the event leaves out is caught', () => {
    const p = check((c) => {
      delete c.base['proc.pname'];
    });
    assert.ok(
      p.some((x) => x.includes('reads proc.pname, which the event does not set')),
      p.join('\n'),
    );
  });

  test('a review pinned to another condition is caught', () => {
    const p = check((c) => (c.reviewed.condition = '0000000000000000'));
    assert.ok(
      p.some((x) => x.startsWith('reviewed against condition 0000000000000000')),
      p.join('\n'),
    );
  });

  test('a Tune snippet that switches the rule off for everyone is caught', () => {
    // The other workload runs the same image: the image + shell exception silences it too.
    const p = check((c) => (c.others[0]!.fields = { 'k8s.pod.name': 'payments-api-other' }));
    assert.ok(
      p.some((x) => /Tune snippet 1 applied to others ".*": does not fire/.test(x)),
      p.join('\n'),
    );
  });

  test('a Tune snippet that does not silence the alert is caught', () => {
    // The exception is rendered from the alert's values; an alert without an image gives a
    // placeholder that matches nothing.
    const p = check((c) => (c.alert = { 'container.image.repository': null }));
    assert.ok(
      p.some((x) => /Tune snippet 1 applied to the alert: fires/.test(x)),
      p.join('\n'),
    );
  });
});

describe('claims checker: a Tune snippet that makes a rule fire', () => {
  const pod = findRule('Create Disallowed Pod')!;
  const claims = loadClaims(pod)!;

  test('its stated effect holds', () => {
    assert.ok(claims.tune.length === 1);
    assert.deepEqual(checkClaims(pod, claims, library).problems, []);
  });

  test('an effect it does not have is caught, and so is a name that is not a case', () => {
    const c = structuredClone(claims);
    c.tune[0]!.silent.push('alert');
    c.tune[0]!.fires.push('no such case');
    const p = checkClaims(pod, c, library).problems;
    assert.ok(
      p.some((x) => /Tune snippet 1 applied to "alert": fires/.test(x)),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) => x.includes('no event named "no such case"')),
      p.join('\n'),
    );
  });

  test('without the stated effect, the default (silence the alert) applies and fails', () => {
    const c = structuredClone(claims);
    c.tune = [];
    const p = checkClaims(pod, c, library).problems;
    assert.ok(
      p.some((x) => /Tune snippet 1 applied to the alert: fires/.test(x)),
      p.join('\n'),
    );
  });
});

describe('claims checker: setup for rules that cannot fire as shipped', () => {
  const c2 = findRule('Outbound Connection to C2 Servers')!;
  const base: Claims = {
    rule: c2.name,
    reviewed: { condition: c2.conditionHash, on: '2026-11-30' },
    setup: [],
    base: {
      'evt.type': 'connect',
      'evt.num': 7,
      'fd.typechar': '4',
      'fd.ip': '203.0.113.50',
      'fd.net': '203.0.113.50',
      'fd.snet': '203.0.113.50',
      'fd.sip': '203.0.113.50',
      'fd.sip.name': 'c2.example.net',
      'fd.l4proto': 'tcp',
      'evt.rawres': 0,
      'evt.res': 'SUCCESS',
      'evt.dir': '<',
      'fd.connected': true,
      'fd.name_changed': false,
    },
    alert: {},
    others: [],
    fires: [],
    silent: [],
    tune: [],
  };

  test('with the shipped (empty) lists the alert cannot fire; the reader’s list makes it', () => {
    const shipped = checkClaims(c2, base, library).problems;
    assert.ok(
      shipped.some((x) => x.startsWith('alert: does not fire')),
      shipped.join('\n'),
    );
    const filled = structuredClone(base);
    filled.setup = [
      { list: 'c2_server_ip_list', items: ['203.0.113.50'], override: { items: 'append' } },
    ];
    const p = checkClaims(c2, filled, library).problems;
    assert.ok(!p.some((x) => x.startsWith('alert:')), p.join('\n'));
  });

  test('a setup Falco would refuse is reported', () => {
    const bad = structuredClone(base);
    bad.setup = [{ list: 'nope', items: ['x'], override: { items: 'append' } }];
    const p = checkClaims(c2, bad, library).problems;
    assert.ok(
      p.some((x) => x.startsWith('setup: Falco would refuse it')),
      p.join('\n'),
    );
  });
});
