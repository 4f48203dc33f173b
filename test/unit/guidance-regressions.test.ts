import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { compiledRule } from '../../src/condition/catalog-rules.js';
import { eventTypes } from '../../src/condition/describe.js';
import { evaluate, type SyntheticEvent } from '../../src/condition/evaluate.js';
import { findRule, loadCatalog, type CatalogRule } from '../../src/guidance/catalog.js';
import { createGuidanceLibrary, type RenderedGuidance } from '../../src/guidance/guidance.js';
import { alertFromRule } from '../helpers/alert-from-rule.js';
import { plainWords, tuneSnippets } from '../helpers/claims-check.js';
import { codeOf, templatesDir } from '../helpers/guidance-checks.js';

/**
 * The defects the November 2026 review found (issue 14), each by a test that fails if it comes
 * back: the condition facts are evaluated on the real expanded condition, the text is read as
 * rendered. The seed reports' mistakes are in seed-reports.test.ts.
 */

const library = createGuidanceLibrary(templatesDir);

function rule(name: string): CatalogRule {
  const r = findRule(name);
  assert.ok(r, name);
  return r;
}

/** Evaluates, and refuses an event that leaves out a field the evaluation reads. */
function fires(name: string, event: SyntheticEvent): boolean {
  const r = evaluate(compiledRule(rule(name)).expr, event);
  assert.deepEqual(r.undeclared, [], `${name}: event must declare ${r.undeclared.join(', ')}`);
  return r.result;
}

function guidance(name: string, overrides: Record<string, string | number | null> = {}) {
  return library.forAlert(alertFromRule(rule(name), { overrides }));
}

function section(g: RenderedGuidance, id: string): string {
  return plainWords(
    (g.doc.sections.find((s) => s.id === id)?.steps ?? []).map((s) => s.text).join(' \n '),
  );
}

function bullets(g: RenderedGuidance, id: string): string[] {
  return (g.doc.sections.find((s) => s.id === id)?.steps ?? []).map((s) => plainWords(s.text));
}

interface ExceptionSnippet {
  fields: string[];
  comps: string[];
}

function tuneExceptions(g: RenderedGuidance): ExceptionSnippet[] {
  const out: ExceptionSnippet[] = [];
  for (const s of tuneSnippets(g))
    for (const item of s.items)
      for (const ex of (item.exceptions as Array<Record<string, unknown>> | undefined) ?? []) {
        const fields = ([] as string[]).concat(ex.fields as string | string[]);
        const comps =
          ex.comps === undefined
            ? fields.map(() => '=')
            : ([] as string[]).concat(ex.comps as string | string[]);
        out.push({ fields, comps });
      }
  return out;
}

const OPEN_WRITE = {
  'evt.type': 'openat',
  'evt.is_open_write': true,
  'fd.typechar': 'f',
  'fd.num': 3,
  'evt.num': 9,
};

describe('review findings stay fixed: detection claims', () => {
  test('Modify Shell Configuration File: what the lists watch, and writes by shells and renames are not seen', () => {
    const name = 'Modify Shell Configuration File';
    const open = (file: string, proc: string) => {
      const dir = file.slice(0, file.lastIndexOf('/'));
      return fires(name, {
        ...OPEN_WRITE,
        'fd.name': file,
        'fd.directory': dir,
        'fd.filename': file.slice(dir.length + 1),
        'proc.name': proc,
        'proc.cmdline': `${proc} ${file}`,
        'proc.pname': 'sudo',
      });
    };
    assert.equal(open('/home/alice/.bashrc', 'vim'), true);
    assert.equal(open('/etc/profile', 'vim'), true);
    assert.equal(open('/etc/bash.bashrc', 'vim'), false, '/etc/bash.bashrc is not in the lists');
    assert.equal(open('/etc/profile.d/proxy.sh', 'vim'), false, '/etc/profile.d is not watched');
    assert.equal(
      open('/home/alice/.bashrc', 'bash'),
      false,
      'echo >> ~/.bashrc: opened by the shell',
    );
    const why = section(guidance(name), 'why');
    assert.match(why, /\/etc\/bash\.bashrc[\s\S]{0,120}not watched/);
    assert.match(why, /does not fire when a shell writes the file/);
    assert.match(why, /sed -i/);
  });

  test('Clear Log Activities: only opens with O_TRUNC fire; truncate -s 0 and copytruncate are not causes', () => {
    const name = 'Clear Log Activities';
    const ev = (flags: string, proc: string) => ({
      ...OPEN_WRITE,
      'evt.arg.flags': flags,
      'fd.name': '/var/log/auth.log',
      'fd.directory': '/var/log',
      'fd.filename': 'auth.log',
      'proc.name': proc,
      'container.image.repository': null,
    });
    assert.equal(fires(name, ev('O_WRONLY|O_CREAT|O_TRUNC', 'bash')), true, ': > auth.log');
    assert.equal(
      fires(name, ev('O_WRONLY|O_NONBLOCK', 'truncate')),
      false,
      'truncate -s 0 opens without O_TRUNC',
    );
    const g = guidance(name);
    for (const b of bullets(g, 'benign')) assert.doesNotMatch(b, /copytruncate|truncate -s 0/);
    // (plainWords drops backticks and underscores: O_TRUNC reads otrunc)
    assert.match(
      section(g, 'why'),
      /truncate -s 0[\s\S]{0,80}copytruncate[\s\S]{0,80}without otrunc/,
    );
  });

  test('System user interactive: interactive means an sshd ancestor (or login), not a terminal', () => {
    const name = 'System user interactive';
    const base = {
      'evt.type': 'execve',
      'evt.num': 5,
      'user.name': 'www-data',
      'proc.name': 'php',
    };
    assert.equal(fires(name, { ...base, 'proc.aname': ['bash', 'sshd', 'systemd'] }), true);
    assert.equal(fires(name, { ...base, 'proc.aname': ['apache2', 'systemd'] }), false);
    const g = guidance(name);
    assert.match(section(g, 'why'), /does not mean "has a terminal"/);
    for (const b of bullets(g, 'benign')) assert.doesNotMatch(b, /init script|test environment/);
  });

  test('Change thread namespace: nsenter on a node is excluded, so it is not a benign cause', () => {
    const name = 'Change thread namespace';
    const nsenter = {
      'evt.type': 'setns',
      'evt.num': 4,
      'proc.name': 'nsenter',
      'proc.cmdline': 'nsenter -t 1 -m -u -n -i sh',
      'proc.pname': 'bash',
      'proc.aname': ['bash', 'sshd', 'systemd'],
      'container.id': 'host',
      'container.image.repository': null,
      'k8s.ns.name': null,
      'proc.exepath': '/usr/bin/nsenter',
    };
    assert.equal(fires(name, nsenter), false);
    for (const b of bullets(guidance(name), 'benign'))
      assert.doesNotMatch(b, /nsenter[^.]*on (a|the) node(?![^.]*debug)/);
  });
});

describe('review findings stay fixed: plugin fields', () => {
  test('github.repo.name is already owner/name: no command builds owner/owner/name', () => {
    for (const name of ['Create Public Repository', 'Private Repository Becoming Public']) {
      const g = guidance(name, { 'github.owner': 'acme', 'github.repo.name': 'acme/payments' });
      const code = codeOf(g)
        .map((c) => c.content)
        .join('\n');
      assert.doesNotMatch(code, /acme\/acme\/payments/, name);
      assert.match(code, /acme\/payments/, name);
    }
  });

  test('CloudTrail look-ups never use ct.user as the Username attribute, and are bounded in time', () => {
    for (const r of loadCatalog().filter((x) => x.source === 'aws_cloudtrail')) {
      const g = library.forAlert(alertFromRule(r, { overrides: { 'ct.user': 'deploy-role' } }));
      for (const c of codeOf(g).filter((b) => b.lang === 'sh'))
        for (const line of c.content.replace(/\\\n\s*/g, ' ').split('\n')) {
          assert.doesNotMatch(line, /AttributeKey=Username,AttributeValue="?'?deploy-role/, r.name);
          if (/lookup-events/.test(line)) {
            assert.match(line, /--start-time/, `${r.name}: ${line}`);
            assert.match(line, /--end-time/, `${r.name}: ${line}`);
          }
        }
    }
  });

  test('no binding look-up greps the wide output for system:serviceaccount:NS:NAME', () => {
    for (const r of loadCatalog()) {
      const code = codeOf(library.forRule(r))
        .map((c) => c.content)
        .join('\n');
      assert.doesNotMatch(code, /-o wide[^\n]*grep[^\n]*system:serviceaccount:/, r.name);
    }
  });

  test('the GCP guidance never reads gcp.request, gcp.policyDelta or gcp.authorizationInfo (always empty: not JSON strings)', () => {
    for (const r of loadCatalog().filter((x) => x.source === 'gcp_auditlog')) {
      const g = library.forAlert(
        alertFromRule(r, {
          overrides: {
            'gcp.request': 'REQUEST-MARKER',
            'gcp.policyDelta': 'POLICYDELTA-MARKER',
            'gcp.authorizationInfo': 'AUTHZ-MARKER',
          },
        }),
      );
      const code = codeOf(g)
        .map((c) => c.content)
        .join('\n');
      assert.doesNotMatch(code, /REQUEST-MARKER|POLICYDELTA-MARKER|AUTHZ-MARKER/, r.name);
    }
  });
});

describe('review findings stay fixed: tuning', () => {
  const FD_NAME_EMPTY = new Set([
    'rename',
    'renameat',
    'renameat2',
    'unlink',
    'unlinkat',
    'mkdir',
    'mkdirat',
    'rmdir',
    'symlink',
    'symlinkat',
    'link',
    'linkat',
  ]);

  test('no exception on fd.name for rules that fire only on events where fd.name is empty', () => {
    const bad: string[] = [];
    for (const r of loadCatalog().filter((x) => x.source === 'syscall')) {
      const types = eventTypes(compiledRule(r).expr);
      if (types === 'all' || ![...types].every((t) => FD_NAME_EMPTY.has(t))) continue;
      for (const ex of tuneExceptions(library.forAlert(alertFromRule(r))))
        if (ex.fields.includes('fd.name')) bad.push(`${r.name}: ${ex.fields.join(', ')}`);
    }
    assert.deepEqual(bad, []);
  });

  test('DB program spawned process excepts a command by its start, not its whole changing command line', () => {
    const ex = tuneExceptions(guidance('DB program spawned process'));
    assert.ok(ex.length > 0);
    for (const e of ex) {
      const i = e.fields.indexOf('proc.cmdline');
      if (i >= 0) assert.equal(e.comps[i], 'startswith');
    }
  });

  test('no GCP exception on the user and project alone (it would silence that user everywhere)', () => {
    for (const r of loadCatalog().filter((x) => x.source === 'gcp_auditlog'))
      for (const ex of tuneExceptions(library.forAlert(alertFromRule(r))))
        assert.notDeepEqual([...ex.fields].sort(), ['gcp.projectId', 'gcp.user'], r.name);
  });

  test('the deprecated allow-list rules are tuned through their lists or macros, never by exception', () => {
    for (const r of loadCatalog().filter((x) => x.deprecated)) {
      const g = library.forAlert(alertFromRule(r));
      assert.deepEqual(tuneExceptions(g), [], r.name);
      assert.ok(tuneSnippets(g).length > 0, `${r.name} shows how to tune it`);
    }
  });
});

describe('review findings stay fixed: shared partials', () => {
  const shell = guidance('Terminal shell in container');

  test('the quarantine NetworkPolicy says what a policy cannot do', () => {
    const contain = section(shell, 'contain');
    assert.match(contain, /policies add up/);
    assert.match(contain, /hostnetwork: true/);
    assert.match(contain, /node itself/);
  });

  test('the security context puts container-only fields under the containers', () => {
    const fix = shell.doc.sections.find((s) => s.id === 'fix')!;
    const yamlBlock = fix.steps.flatMap((s) => s.code).find((c) => c.lang === 'yaml');
    assert.ok(yamlBlock);
    const doc = parseAllDocuments(yamlBlock.content)[0]!.toJS() as {
      spec: {
        securityContext: Record<string, unknown>;
        containers: Array<{ securityContext: Record<string, unknown> }>;
      };
    };
    for (const containerOnly of [
      'allowPrivilegeEscalation',
      'readOnlyRootFilesystem',
      'capabilities',
    ]) {
      assert.equal(
        doc.spec.securityContext[containerOnly],
        undefined,
        `${containerOnly} is not a pod-level field`,
      );
      assert.notEqual(doc.spec.containers[0]!.securityContext[containerOnly], undefined);
    }
  });
});
