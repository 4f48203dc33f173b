import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { printExpr } from '../../src/condition/ast.js';
import { globMatch, pathPrefixMatch } from '../../src/condition/compare.js';
import { evaluate, EvaluationError, type SyntheticEvent } from '../../src/condition/evaluate.js';
import { parseCondition } from '../../src/condition/parser.js';
import {
  conditionWithExceptions,
  resolveList,
  RulesetCollector,
} from '../../src/condition/ruleset.js';

const holds = (cond: string, event: SyntheticEvent) => evaluate(parseCondition(cond), event).result;

describe('evaluator: libsinsp operator vectors', () => {
  // filter_op_pmatch.ut.cpp: an open of /opt/dir/subdir/file.txt
  test('pmatch: path prefixes, component globs', () => {
    const ev = { 'fd.name': '/opt/dir/subdir/file.txt' };
    const cases: Array<[string, boolean]> = [
      ['fd.name pmatch (/opt/dir)', true],
      ['fd.name pmatch (/opt/dir/subdir)', true],
      ['fd.name pmatch (/opt/dir2)', false],
      ['fd.name pmatch (/opt/dir, /opt/dir2)', true],
      ['fd.name pmatch (/opt/dir3, /opt/dir2)', false],
      ['fd.name pmatch (/opt/*)', true],
      ['fd.name pmatch (/opt/*/subdir)', true],
      ['fd.name pmatch (/opt/di?/subdir)', true],
      ['fd.name pmatch (/opt/dii?/subdir)', false],
      ['fd.name pmatch (/opt/di[r]/subdir)', true],
      ['fd.name pmatch (/opt/di[!r]/subdir)', false],
      ['fd.name pmatch (/opt/di[t]/subdir)', false],
      ['fd.name pmatch (/opt/di/subdir)', false],
      ['fd.name pmatch (/opt/*/subdir2)', false],
      ['fd.name pmatch (/opt/*/*)', true],
      ['fd.name pmatch (/opt/*/*/subsubdir)', false],
    ];
    for (const [cond, want] of cases) assert.equal(holds(cond, ev), want, cond);
  });

  // filter_op_contains.ut.cpp
  test('contains and icontains', () => {
    const ev = { 'fd.name': '/opt/dir/SUBDIR/file.txt', 'evt.arg.flags': 'O_RDWR|O_CREAT' };
    assert.equal(holds('evt.arg.flags contains O_CREAT', ev), true);
    assert.equal(holds('evt.arg.flags contains O_TMPFILE', ev), false);
    assert.equal(holds('evt.arg.flags icontains O_CREAT', ev), true);
    assert.equal(holds('fd.name contains /dir', ev), true);
    assert.equal(holds('fd.name icontains /subdir', ev), true);
    assert.equal(holds('fd.name icontains notthis', ev), false);
  });

  // filter_op_net_compare.ut.cpp: a connect from 172.40.111.222 to 142.251.111.147:443
  test('addresses and networks', () => {
    const ev = {
      'fd.ip': '142.251.111.147',
      'fd.sip': '142.251.111.147',
      'fd.cip': '172.40.111.222',
      'fd.net': '142.251.111.147',
    };
    const cases: Array<[string, boolean]> = [
      ['fd.ip == 142.251.111.147', true],
      ['fd.sip == 142.251.111.147', true],
      ['fd.cip == 172.40.111.222', true],
      ['fd.ip != 142.251.111.147', false],
      ['fd.sip != 0:0:0:0:0:0:0:1', true],
      ["fd.sip == '0:0:0:0:0:0:0:1'", false],
      ['fd.net == 142.0.0.0/4', true],
      ['fd.net == 142.251.0.0/8', true],
      ['fd.net == 142.251.111.0/16', true],
      ['fd.net != 10.0.0.0/8', true],
      ['fd.net != 2001:db8:abcd:0012::0/64', true],
      ['fd.net == 10.0.0.0/8', false],
      ['fd.net == 2001:db8:abcd:0012::0/64', false],
      ['fd.sip == anyof (142.251.111.147)', true],
      ['fd.sip == anyof (10.0.0.1, 142.251.111.147)', true],
      ['fd.sip == anyof (10.0.0.1, 192.168.0.1)', false],
      ['fd.sip in (10.0.0.0/8, 142.251.0.0/16)', true],
    ];
    for (const [cond, want] of cases) assert.equal(holds(cond, ev), want, cond);
    assert.equal(holds('fd.sip = ::1', { 'fd.sip': '0:0:0:0:0:0:0:1' }), true);
  });

  // filter_op_numeric_compare.ut.cpp style: numbers compare as numbers, hex included
  test('numeric comparisons', () => {
    const ev = { 'proc.tty': 34816, 'user.uid': 0, 'evt.rawres': -1, 'fd.num': '10' };
    assert.equal(holds('proc.tty != 0', ev), true);
    assert.equal(holds('user.uid = 0', ev), true);
    assert.equal(holds('evt.rawres >= 0', ev), false);
    assert.equal(holds('evt.rawres < 0', ev), true);
    assert.equal(holds('fd.num > 9', ev), true, '10 > 9 as numbers, not as text');
    assert.equal(holds('fd.num <= 0xA', ev), true);
    assert.equal(holds('user.uid in (0, 1000)', ev), true);
  });

  // filter_transformer.ut.cpp: an open of /tmp/file_to_run
  test('transformers and val()', () => {
    const ev = {
      'fd.name': '/tmp/file_to_run',
      'fd.directory': '/tmp',
      'evt.num': 1,
      'proc.name': 'Bash',
      'proc.pname': 'bash',
      'fd.types': ['ipv4', 'file'],
      'proc.args': '-n 1 -t x',
    };
    const cases: Array<[string, boolean]> = [
      ['basename(fd.name) = file_to_run', true],
      ['basename(fd.name) = /tmp/file_to_run', false],
      ['len(fd.types) = 2', true],
      ['len(fd.name) = 16', true],
      ['join("-", (fd.name,fd.directory)) = /tmp/file_to_run-/tmp', true],
      ['join("->", ("aaa","bbb")) = aaa->bbb', true],
      ['join(",", (evt.num, evt.num)) = "1,1"', true],
      ['join(",", ()) = ""', true],
      ['concat(fd.name, fd.directory) = /tmp/file_to_run/tmp', true],
      ['concat(toupper(fd.name), "aaa") = /TMP/FILE_TO_RUNaaa', true],
      ['len(join("-", (fd.name, fd.directory))) = 21', true],
      ['b64(join("W", ("YWFhL", "JiYg"))) = "aaa-bbb"', true],
      ['tolower(proc.name) = val(proc.pname)', true],
      ['proc.name = val(proc.pname)', false],
      ['toupper(proc.pname) = BASH', true],
      ['getopt(proc.args, "n:t:")[t] = x', true],
      ['getopt(proc.args, "n:t:")[n] = 1', true],
    ];
    for (const [cond, want] of cases) assert.equal(holds(cond, ev), want, cond);
    assert.throws(() => holds('concat("aaa") = foo', ev), EvaluationError);
    assert.throws(() => holds('join("-", "a", "b") = foo', ev), EvaluationError);
  });
});

describe('evaluator: every operator', () => {
  const ev = {
    'proc.cmdline': 'curl -s http://x/stratum+tcp',
    'fd.name': '/etc/shadow',
    'evt.buffer': 'GET /?a=\u00ff HTTP/1.1',
  };
  const cases: Array<[string, boolean]> = [
    ['fd.name = /etc/shadow', true],
    ['fd.name == /etc/passwd', false],
    ['fd.name != /etc/passwd', true],
    ['fd.name startswith /etc/', true],
    ['fd.name endswith shadow', true],
    ['fd.name contains shad', true],
    ['fd.name icontains SHAD', true],
    ['fd.name glob /etc/*', true],
    ['fd.name glob /etc/?', false],
    ['fd.name iglob /ETC/SH*', true],
    ['fd.name in (/etc/shadow, /etc/passwd)', true],
    ['fd.name intersects (/etc/shadow)', true],
    ['fd.name pmatch (/etc)', true],
    ['fd.name exists', true],
    ['fd.name regex "/etc/sh[a-z]+"', true],
    ['fd.name regex "sh[a-z]+"', false],
    ['fd.name startswith oneof (/etc, /et)', false],
    ['fd.name startswith anyof (/usr, /etc)', true],
    ['fd.name contains allof (etc, shadow)', true],
    ['fd.name != allof (/a, /b)', true],
    ['proc.cmdline contains stratum+tcp', true],
    ['evt.buffer bcontains 474554', true],
    ['evt.buffer bcontains ff', true],
    ['evt.buffer bstartswith 474554', true],
    ['evt.buffer bstartswith 4854', false],
  ];
  for (const [cond, want] of cases)
    test(`${cond} is ${want}`, () => assert.equal(holds(cond, ev), want));
});

describe('evaluator: what our synthetic events mean', () => {
  test('an absent field fails every comparison, != included; not of it holds; exists is false', () => {
    const ev = { 'proc.pname': null };
    assert.equal(holds('proc.pname = x', ev), false);
    assert.equal(holds('proc.pname != x', ev), false);
    assert.equal(holds('not proc.pname = x', ev), true);
    assert.equal(holds('proc.pname exists', ev), false);
    assert.equal(holds('not proc.pname exists', ev), true);
  });

  test('fields the evaluation reads but the event does not declare are reported', () => {
    const r = evaluate(parseCondition('a.b = 1 and (c.d = 2 or e.f = 3)'), { 'a.b': 1, 'c.d': 2 });
    assert.equal(r.result, true);
    assert.deepEqual(r.consulted, ['a.b', 'c.d']);
    assert.deepEqual(r.undeclared, []);
    const r2 = evaluate(parseCondition('a.b = 1 and (c.d = 2 or e.f = 3)'), { 'a.b': 1, 'c.d': 5 });
    assert.deepEqual(r2.undeclared, ['e.f']);
    assert.equal(r2.trace.at(-1)?.check, 'e.f = 3');
  });

  test('ancestors: proc.aname[N], proc.pname and any-ancestor proc.aname from one array', () => {
    const ev = { 'proc.name': 'bash', 'proc.aname': ['sshd', 'sshd', 'systemd'] };
    assert.equal(holds('proc.aname[0] = bash', ev), true);
    assert.equal(holds('proc.aname[1] = sshd', ev), true);
    assert.equal(holds('proc.pname = sshd', ev), true);
    assert.equal(holds('proc.aname[3] = systemd', ev), true);
    assert.equal(holds('proc.aname[4] exists', ev), false, 'beyond the chain: absent');
    assert.equal(holds('proc.aname = systemd', ev), true, 'any ancestor');
    assert.equal(holds('proc.aname = bash', ev), false, 'the process itself is not its ancestor');
    assert.equal(holds('proc.aname in (cron, sshd)', ev), true);
    const undeclared = evaluate(parseCondition('proc.aname[2] = x'), { 'proc.pname': 'a' });
    assert.deepEqual(undeclared.undeclared, ['proc.aname[2]']);
  });

  test('list fields: in means all, intersects means one; an empty list is absent', () => {
    const ev = { 'ka.req.pod.containers.image.repository': ['nginx', 'evil/miner'] };
    assert.equal(holds('ka.req.pod.containers.image.repository in (nginx, evil/miner)', ev), true);
    assert.equal(holds('ka.req.pod.containers.image.repository in (nginx)', ev), false);
    assert.equal(holds('ka.req.pod.containers.image.repository intersects (nginx)', ev), true);
    assert.equal(holds('x.y exists', { 'x.y': [] }), false);
    assert.equal(holds('not x.y in (a)', { 'x.y': [] }), true);
    assert.throws(
      () => holds('ka.req.pod.containers.image.repository = nginx', ev),
      /only supports the operators exists, in and intersects/,
    );
    assert.equal(
      holds('ka.req.pod.host_network intersects (true)', { 'ka.req.pod.host_network': [true] }),
      true,
    );
  });
});

describe('rules loader: Falco semantics', () => {
  test('lists are substituted as text, items with a space quoted, an empty list dropped cleanly', () => {
    assert.equal(
      resolveList('proc.name in (shells)', 'shells', ['sh', 'bash']).text,
      'proc.name in ( sh, bash )',
    );
    const emptied = resolveList('x.y in (a, l)', 'l', []).text;
    assert.equal(emptied.replace(/\s+/g, ' '), 'x.y in (a )');
    assert.equal(holds(emptied, { 'x.y': 'a' }), true);
    assert.equal(resolveList('x.y in (lx)', 'l', ['q']).used, false, 'only whole names');
    assert.equal(resolveList('x.y in (l)', 'l', ['a b']).text, 'x.y in ( "a b" )');
  });

  test('exceptions are written after the condition as upstream builds them', () => {
    assert.equal(
      conditionWithExceptions('a', [
        {
          name: 'e1',
          fields: ['proc.name', 'fd.name'],
          comps: ['=', 'startswith'],
          values: [['x', '/tmp y']],
        },
        { name: 'e2', fields: 'proc.name', values: ['p', 'q r'] },
        { name: 'e3', fields: ['proc.name'], comps: ['in'], values: [[['a', 'b']]] },
      ]),
      '(a) and not (( proc.name = x and  fd.name startswith "/tmp y")) and not (proc.name in (p, "q r")) and not (( proc.name in (a, b)))',
    );
  });

  test('override and append for lists, macros and rules, in load order', () => {
    const col = new RulesetCollector('syscall').add([
      { list: 'shells', items: ['sh'] },
      { list: 'all_shells', items: ['shells', 'zsh'] },
      { macro: 'shell', condition: 'proc.name in (all_shells)' },
      { macro: 'never_true', condition: 'evt.num = 0' },
      { rule: 'R', condition: 'shell and not never_true' },
      { list: 'shells', items: ['bash'], override: { items: 'append' } },
      { macro: 'shell', condition: 'or proc.name = fish', override: { condition: 'append' } },
      {
        rule: 'R',
        exceptions: [{ name: 'x', fields: ['proc.pname'], values: [['cron']] }],
        override: { exceptions: 'append' },
      },
    ]);
    const r = col.compile().rules.get('R')!;
    assert.equal(
      printExpr(r.expr),
      '(((proc.name in (sh, bash, zsh) or proc.name = fish) and not evt.num = 0) and not proc.pname = cron)',
    );
    assert.deepEqual(r.macrosUsed, ['never_true', 'shell']);
    assert.deepEqual(r.listsUsed, ['all_shells']);
    const fire = (ev: SyntheticEvent) => evaluate(r.expr, ev).result;
    assert.equal(fire({ 'proc.name': 'bash', 'evt.num': 5, 'proc.pname': 'init' }), true);
    assert.equal(fire({ 'proc.name': 'bash', 'evt.num': 5, 'proc.pname': 'cron' }), false);
    assert.equal(fire({ 'proc.name': 'fish', 'evt.num': 5, 'proc.pname': 'init' }), true);
  });

  test('a list defined after the list that names it is not expanded inside it (visibility)', () => {
    const r = new RulesetCollector()
      .add([
        { list: 'outer', items: ['inner', 'x'] },
        { list: 'inner', items: ['y'] },
        { rule: 'R', condition: 'proc.name in (outer)' },
      ])
      .compile()
      .rules.get('R')!;
    // The rule sees outer = [inner, x], then "inner" in the text becomes y.
    assert.equal(printExpr(r.expr), 'proc.name in (y, x)');
  });

  test('an undefined macro, a self-referencing macro and a bad exception are errors', () => {
    assert.throws(
      () => new RulesetCollector().add([{ rule: 'R', condition: 'nope' }]).compile(),
      /Undefined macro 'nope'/,
    );
    assert.throws(
      () =>
        new RulesetCollector()
          .add([
            { macro: 'm', condition: 'm' },
            { rule: 'R', condition: 'm' },
          ])
          .compile(),
      /refers to itself|Undefined macro/,
    );
    assert.throws(
      () =>
        new RulesetCollector()
          .add([
            {
              rule: 'R',
              condition: 'a.b = 1',
              exceptions: [{ name: 'e', fields: ['a', 'b'], values: [['x']] }],
            },
          ])
          .compile(),
      /equal length/,
    );
  });
});

describe('glob', () => {
  test('fnmatch without flags: * crosses slashes, classes and escapes', () => {
    assert.equal(globMatch('/etc/*', '/etc/a/b'), true);
    assert.equal(globMatch('*.log', 'x.log'), true);
    assert.equal(globMatch('[a-c]x', 'bx'), true);
    assert.equal(globMatch('[!a-c]x', 'bx'), false);
    assert.equal(globMatch('a\\*', 'a*'), true);
    assert.equal(globMatch('a\\*', 'ab'), false);
    assert.equal(pathPrefixMatch('/var/runx/a', '/var/run'), false);
  });
});
