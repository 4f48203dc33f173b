import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { printExpr, type Expr } from '../../src/condition/ast.js';
import { compileCatalogRuleset } from '../../src/condition/catalog-rules.js';
import { ConditionSyntaxError, parseCondition } from '../../src/condition/parser.js';
import { loadCatalog } from '../../src/guidance/catalog.js';
import vectors from '../fixtures/condition/libsinsp-parser-vectors.json' with { type: 'json' };

/** libsinsp's test_accept also tries each input padded, and with spaces as newlines and tabs. */
function variants(input: string): string[] {
  const padded = ` ${input} `;
  return [input, padded, padded.replaceAll(' ', '\n'), padded.replaceAll(' ', '\t')];
}

describe('condition parser: libsinsp test vectors', () => {
  test(`accepts the ${vectors.accept.length} inputs upstream accepts (with their whitespace variants)`, () => {
    const failures: string[] = [];
    for (const v of vectors.accept) {
      for (const input of v.variants ? variants(v.input) : [v.input]) {
        try {
          parseCondition(input);
        } catch (err) {
          failures.push(`${JSON.stringify(input)}: ${(err as Error).message}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(vectors.accept.length > 300, 'the ported vectors are all there');
  });

  test(`refuses the ${vectors.reject.length} inputs upstream refuses`, () => {
    const accepted = vectors.reject.filter((input) => {
      try {
        parseCondition(input);
        return true;
      } catch (err) {
        assert.ok(err instanceof ConditionSyntaxError, `${input}: ${(err as Error).message}`);
        return false;
      }
    });
    assert.deepEqual(accepted, []);
    assert.ok(vectors.reject.length > 150);
  });

  test('refuses an empty condition and runaway nesting with a clear message', () => {
    assert.throws(() => parseCondition(''), /filter input string is empty/);
    assert.throws(() => parseCondition('('.repeat(5000)), /exceeded max depth limit/);
  });
});

describe('condition parser: trees', () => {
  const tree = (s: string) => parseCondition(s);

  test('and binds tighter than or; not applies to the next check', () => {
    assert.deepEqual(tree('a.a=1 or b.b=2 and c'), {
      kind: 'or',
      children: [
        {
          kind: 'binary',
          left: { kind: 'field', name: 'a.a' },
          op: '=',
          right: { kind: 'value', value: '1' },
        },
        {
          kind: 'and',
          children: [
            {
              kind: 'binary',
              left: { kind: 'field', name: 'b.b' },
              op: '=',
              right: { kind: 'value', value: '2' },
            },
            { kind: 'identifier', name: 'c' },
          ],
        },
      ],
    } satisfies Expr);
    assert.deepEqual(tree('not not a'), { kind: 'identifier', name: 'a' });
    assert.equal(tree('not a.b exists and c').kind, 'and');
  });

  test('field arguments, quoted strings with escapes, lists, modifiers, transformers and val()', () => {
    assert.deepEqual(tree('proc.aname[2] = sshd'), {
      kind: 'binary',
      left: { kind: 'field', name: 'proc.aname', arg: '2' },
      op: '=',
      right: { kind: 'value', value: 'sshd' },
    });
    assert.deepEqual(tree('jevt.value[/requestObject/spec/hostPID] = true').kind, 'binary');
    assert.deepEqual(tree(`x.y = "a \\"b\\" \\x41"`), {
      kind: 'binary',
      left: { kind: 'field', name: 'x.y' },
      op: '=',
      right: { kind: 'value', value: 'a "b" A' },
    });
    assert.deepEqual(tree('x.y in (\'a b\', c, "d")'), {
      kind: 'binary',
      left: { kind: 'field', name: 'x.y' },
      op: 'in',
      right: { kind: 'list', values: ['a b', 'c', 'd'] },
    });
    assert.equal(
      (tree('proc.name startswith anyof (a, b)') as { op: string }).op,
      'startswith anyof',
    );
    // "anyof" followed by a boolean keyword is a value, not a modifier.
    assert.equal((tree('proc.name = anyof and x') as { kind: string }).kind, 'and');
    assert.deepEqual(tree('proc.name = val(proc.pname)'), {
      kind: 'binary',
      left: { kind: 'field', name: 'proc.name' },
      op: '=',
      right: { kind: 'transformer', name: 'val', args: [{ kind: 'field', name: 'proc.pname' }] },
    });
    assert.deepEqual(tree('tolower(basename(proc.exe)) = bash').kind, 'binary');
  });

  test('the canonical print parses back to the same tree', () => {
    const inputs = [
      'a.a=1 or b.b=2 and c',
      'not (proc.name in (a, "b c", "d\\"e") or fd.name pmatch (/etc))',
      'x.y contains "" and x.z = "with space" and x.w = \'single\'',
      'join("-", (fd.name, "x")) = "a-b" and getopt(proc.args, "nt:")[t] = v',
      'fd.name["x y"] exists and proc.name != val(proc.pname)',
    ];
    for (const input of inputs) {
      const t = tree(input);
      assert.deepEqual(tree(printExpr(t)), t, input);
    }
  });
});

describe('condition parser: the official rules', () => {
  const rules = loadCatalog();
  const rulesets = [...new Set(rules.map((r) => r.ruleset))];

  test('all 242 official conditions and every macro parse and expand', () => {
    let macros = 0;
    let conditions = 0;
    for (const rs of rulesets) {
      const compiled = compileCatalogRuleset(rs);
      macros += compiled.macros.size;
      conditions += compiled.rules.size;
    }
    assert.equal(conditions, 242);
    assert.equal(rules.length, 242);
    assert.ok(macros >= 400, `macros compiled: ${macros}`);
  });

  test("the catalog's expanded conditions are what the engine gives from the catalog's items", () => {
    for (const r of rules) {
      const c = compileCatalogRuleset(r.ruleset).rules.get(r.name);
      assert.ok(c, r.name);
      assert.equal(printExpr(c.expr), r.expandedCondition, r.name);
      // No macro is left unexpanded.
      assert.doesNotMatch(JSON.stringify(c.expr), /"kind":"identifier"/, r.name);
    }
  });
});
