import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGuidanceLibrary } from '../../src/guidance/guidance.js';
import { loadSeeds, MISTAKES, ourReport } from '../helpers/seed-report.js';

/** Each mistake SEED-REPORTS.md lists, checked absent from our report for the same alert. */
describe('the seed reports’ mistakes are absent from ours', () => {
  const library = createGuidanceLibrary();
  const seeds = loadSeeds();

  test('all five seed alerts are here', () => {
    assert.deepEqual(
      seeds.map((s) => s.seed),
      ['000', '001', '002', '003', '004'],
    );
  });

  for (const m of MISTAKES) {
    test(`seed ${m.seeds.join(', ')}: ${m.claim}`, () => {
      const problems = seeds
        .filter((s) => m.seeds.includes(s.seed))
        .flatMap((s) => m.check(ourReport(library, s.alert), s).map((p) => `${s.seed}: ${p}`));
      assert.deepEqual(problems, []);
    });
  }
});
