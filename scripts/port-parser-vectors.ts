/**
 * `npx tsx scripts/port-parser-vectors.ts <falcosecurity/libs checkout> [commit]`: extracts the
 * accept / reject vectors of libsinsp's parser tests (userspace/libsinsp/test/filter_parser.ut.cpp)
 * into test/fixtures/condition/libsinsp-parser-vectors.json, so our parser is tested against
 * upstream's own cases. The fixture is committed; this script documents where it came from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/project-root.js';

const CPP_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  '0': '\0',
};

/** One C++ string literal at `s[i]` (plain or R"(...)"), returned with the index after it. */
function literal(s: string, i: number): [string, number] | undefined {
  if (s.startsWith('R"(', i)) {
    const end = s.indexOf(')"', i + 3);
    return [s.slice(i + 3, end), end + 2];
  }
  if (s[i] !== '"') return undefined;
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === '"') return [out, j + 1];
    if (c === '\\') {
      const e = s[++j]!;
      const mapped = CPP_ESCAPES[e];
      if (mapped === undefined) throw new Error(`unknown C++ escape \\${e}`);
      out += mapped;
    } else out += c;
  }
  return undefined;
}

function main(): void {
  const [libs, commit = 'unknown'] = process.argv.slice(2);
  if (!libs) throw new Error('usage: port-parser-vectors.ts <libs checkout> [commit]');
  const src = readFileSync(join(libs, 'userspace/libsinsp/test/filter_parser.ut.cpp'), 'utf8');
  const accept: Array<{ input: string; variants: boolean }> = [];
  const reject: string[] = [];
  const re = /\b(test_accept|test_reject|test_reject_msg)\(\s*/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const lit = literal(src, re.lastIndex);
    if (!lit) continue; // a call with a computed argument (std::string(100000, '(')...)
    let [input, after] = lit;
    // Adjacent literals are one string in C++.
    for (;;) {
      const gap = /^\s*/.exec(src.slice(after))![0].length;
      const next = literal(src, after + gap);
      if (!next) break;
      input += next[0];
      after = next[1];
    }
    if (m[1] === 'test_accept') {
      // test_accept(x, &pos) skips the whitespace variants upstream.
      const variants = !/^\s*,/.test(src.slice(after, after + 5));
      accept.push({ input, variants });
    } else reject.push(input);
  }
  const out = {
    source: `falcosecurity/libs ${commit} userspace/libsinsp/test/filter_parser.ut.cpp`,
    accept,
    reject,
  };
  const target = join(projectRoot(), 'test/fixtures/condition/libsinsp-parser-vectors.json');
  writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`);
  process.stdout.write(
    `wrote ${accept.length} accepted and ${reject.length} refused inputs to ${target}\n`,
  );
}

main();
