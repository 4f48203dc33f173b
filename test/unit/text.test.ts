import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import {
  codeBlock,
  escapeMrkdwn,
  inlineValue,
  mrkdwnText,
  plainText,
} from '../../src/text/mrkdwn.js';
import { shellQuote } from '../../src/text/shell-quote.js';
import { truncate, truncateWithInfo } from '../../src/text/truncate.js';
import { yamlString } from '../../src/text/yaml-quote.js';
import { INJECTION_CORPUS } from '../helpers/injection-corpus.js';

/** Removes our escapes the way Slack decodes them, to see what a reader would get. */
const slackDecode = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const wellFormed = (s: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('shellQuote', () => {
  test('every corpus value is one argument that bash reads back byte for byte', () => {
    const cases = INJECTION_CORPUS.filter((c) => wellFormed(c.value) && !c.value.includes('\0'));
    const script = cases.map((c) => `printf '%s\\0' ${shellQuote(c.value)}`).join('\n');
    const out = execFileSync('bash', ['-c', script], { maxBuffer: 16 * 1024 * 1024 }).toString(
      'utf8',
    );
    assert.deepEqual(
      out.split('\0').slice(0, -1),
      cases.map((c) => c.value),
    );
  });

  test('never prints a backtick or an invisible character, so Slack shows what runs', () => {
    for (const c of INJECTION_CORPUS) {
      const q = shellQuote(c.value);
      assert.ok(!q.includes('`'), c.name);
      assert.ok(!/[\u202a-\u202e\u2066-\u2069\u200b-\u200d\ufeff\n]/.test(q), c.name);
    }
  });

  test("a quote beside a control character or backtick ($'...' form) reads back exactly", () => {
    // The corpus has each on its own; together they take the $'...' path, where ' needs \'.
    const values = ["it's\nnext", "a'b\tc", "'`'", "\\'\r"];
    const script = values.map((v) => `printf '%s\\0' ${shellQuote(v)}`).join('\n');
    const out = execFileSync('bash', ['-c', script]).toString('utf8');
    assert.deepEqual(out.split('\0').slice(0, -1), values);
  });

  test('plain words stay bare; a leading dash is quoted', () => {
    assert.equal(shellQuote('payments-api-7d9f8b6c4-x2x9q'), 'payments-api-7d9f8b6c4-x2x9q');
    assert.equal(shellQuote('/usr/bin/bash'), '/usr/bin/bash');
    assert.equal(shellQuote('--help'), "'--help'");
    assert.equal(shellQuote(''), "''");
  });
});

describe('yamlString', () => {
  test('every corpus value parses back unchanged, as one scalar', () => {
    for (const c of INJECTION_CORPUS.filter((x) => wellFormed(x.value))) {
      const doc = parseYaml(`key: ${yamlString(c.value)}\n`) as { key: unknown };
      assert.deepEqual(doc, { key: c.value }, c.name);
      assert.ok(!yamlString(c.value).includes('`'), c.name);
    }
  });
});

describe('mrkdwn', () => {
  test('escapes the three characters Slack reserves', () => {
    assert.equal(escapeMrkdwn('<!channel> & <@U1>'), '&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  test('inline values: one code span, no raw < > or stray backtick, invisible characters shown', () => {
    for (const c of INJECTION_CORPUS) {
      const v = inlineValue(c.value);
      assert.ok(!/[<>]/.test(v), c.name);
      assert.ok(!v.includes('\n'), c.name);
      if (v.startsWith('`')) assert.equal(v.split('`').length, 3, `${c.name}: ${v.slice(0, 80)}`);
      assert.ok(v.length < 400, `${c.name} is capped`);
    }
    assert.equal(inlineValue('invoice\u202Egpj.exe'), '`invoice⟨U+202E⟩gpj.exe`');
    assert.match(inlineValue('A'.repeat(1000)), /more characters trimmed\]`$/);
  });

  test('prose from users cannot format, mention or quote', () => {
    assert.equal(mrkdwnText('*bold* ~x~ `c` _i_ <!here>'), '∗bold∗ ∼x∼ ˋcˋ ˍiˍ &lt;!here&gt;');
    assert.equal(mrkdwnText('> quote'), '› quote');
    assert.equal(mrkdwnText('snake_case_name'), 'snake_case_name');
  });

  test('code blocks cannot be closed from inside', () => {
    for (const c of INJECTION_CORPUS) {
      const b = codeBlock(c.value);
      assert.equal(b.split('```').length, 3, c.name);
      assert.ok(!/[<>]/.test(b), c.name);
    }
    assert.equal(slackDecode(codeBlock('a <b> & c')), '```a <b> & c```');
    // Exactly three backticks, the shortest run that closes a block.
    for (const v of ['a```b', 'x ``` y ``` z'])
      assert.equal(codeBlock(v).split('```').length, 3, v);
  });

  test('plain text is one line with invisible characters revealed', () => {
    assert.equal(plainText('a\nb\u200Bc'), 'a b⟨U+200B⟩c');
    assert.equal(plainText('<!channel> <@U1>'), '‹!channel› ‹@U1›');
    // Half a surrogate pair is no character at all: shown by its code point.
    assert.equal(plainText('a\ud800b\udc00'), 'a⟨U+D800⟩b⟨U+DC00⟩');
  });
});

describe('truncate', () => {
  test('leaves short text alone', () => {
    assert.deepEqual(truncateWithInfo('short', 10), { text: 'short', trimmed: 0 });
  });

  test('fits the limit with a visible marker for every length', () => {
    const text = `${'x'.repeat(50)}\`\`\`code ${'y'.repeat(200)}\`\`\` tail &amp; 🔥🔥🔥 ${'z'.repeat(300)}`;
    for (let max = 1; max < text.length; max += 7) {
      const { text: out, trimmed } = truncateWithInfo(text, max);
      assert.ok(out.length <= max, `max ${max}: ${out.length}`);
      assert.ok(trimmed > 0);
      assert.ok(wellFormed(out), `max ${max}: split surrogate`);
      assert.ok(
        out.endsWith('…') || out.endsWith('trimmed]') || out === '',
        `max ${max}: no marker`,
      );
      if (max > 60)
        assert.equal((out.split('```').length - 1) % 2, 0, `max ${max}: open code block`);
      assert.ok(
        !/&(a|am|amp|l|lt|g|gt)?$/.test(out.replace(/….*$/s, '')),
        `max ${max}: split entity`,
      );
    }
  });

  test('says how much was cut', () => {
    assert.match(truncate('a'.repeat(10_000), 100), /… \[9,9\d\d more characters trimmed\]$/);
  });
});
