import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plain } from '../../blocks/rich-text.js';
import { alertSchema } from '../../src/alert.js';
import { explainFields } from '../../src/report/field-analysis.js';

/** The report's detailed analysis: one small explainer per field, in reading order. */

const alert = (fields: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  alertSchema.parse({
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2026-11-22T10:15:30.000000000Z',
    output: 'x',
    source: 'syscall',
    output_fields: fields,
    ...over,
  });

const explained = (a: ReturnType<typeof alert>) =>
  Object.fromEntries(explainFields(a).map((e) => [e.topic, plain(e.text)]));

describe('explainFields', () => {
  test('a syscall alert: every explainer speaks, in reading order', () => {
    const a = alert(
      {
        'user.loginuid': -1,
        'user.uid': 0,
        'user.name': 'root',
        'proc.name': 'sh',
        'proc.exepath': '/bin/busybox',
        'evt.arg.flags': 'EXE_WRITABLE|EXE_UPPER_LAYER',
        'proc.tty': 34816,
        'proc.pname': 'runc',
        'proc.aname[2]': 'containerd-shim',
        'container.id': 'abc123',
        'container.name': 'web',
        'k8s.ns.name': 'payments',
        'k8s.pod.name': 'api-1',
        'evt.res': 'EACCES',
        'fd.name': '10.0.0.1:5555->10.0.0.2:443',
      },
      { uuid: 'f4a3c2e1-0000-4000-8000-000000000001' },
    );
    assert.deepEqual(
      explainFields(a).map((e) => e.topic),
      [
        'Event id',
        'Source',
        'Login session',
        'Privilege',
        'Executable',
        'Executable flags',
        'Terminal',
        'Ancestry',
        'Container',
        'Result',
        'Connection',
      ],
    );
    const e = explained(a);
    assert.match(e.Ancestry!, /sh ← runc ← containerd-shim/);
    assert.match(e['Login session']!, /not part of any login session/);
    assert.match(e.Result!, /permission denied/);
    assert.match(e.Container!, /abc123 \(web\) of pod payments\/api-1/);
  });

  test('values change the explanation: host, no tty, success, a file, an unknown parent', () => {
    const e = explained(
      alert({
        'container.id': 'host',
        'proc.tty': 0,
        'evt.res': 'SUCCESS',
        'fd.name': '/etc/shadow',
        'proc.name': 'cat',
        'proc.pname': null,
      }),
    );
    assert.match(e.Container!, /host itself/);
    assert.match(e.Terminal!, /no terminal/);
    assert.match(e.Result!, /succeeded/);
    assert.match(e.File!, /\/etc\/shadow/);
    assert.match(e.Ancestry!, /parent process is unknown/);
  });

  test('a k8s audit alert: the API answer, no process explainers', () => {
    const a = alert({ 'ka.response.code': '403' }, { source: 'k8s_audit' });
    assert.deepEqual(
      explainFields(a).map((x) => x.topic),
      ['Source', 'API response'],
    );
    assert.match(explained(a)['API response']!, /refused/);
  });
});
