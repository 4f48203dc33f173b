import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePriority, PRIORITIES, type Priority } from '../../src/alert.js';

/**
 * Issue 11 item 10: a wrong priority alias survived the whole suite. Every spelling
 * Falco, Falcosidekick and rules files use, in every case, maps to exactly one priority.
 */
const ALIASES: ReadonlyArray<[string, Priority]> = [
  ['emergency', 'Emergency'],
  ['alert', 'Alert'],
  ['critical', 'Critical'],
  ['error', 'Error'],
  ['warning', 'Warning'],
  ['warn', 'Warning'],
  ['notice', 'Notice'],
  ['informational', 'Informational'],
  ['info', 'Informational'],
  ['debug', 'Debug'],
];

describe('priority aliases', () => {
  test('each alias, in any case and with spaces, is its priority', () => {
    for (const [alias, p] of ALIASES)
      for (const spelling of [
        alias,
        alias.toUpperCase(),
        ` ${alias[0]!.toUpperCase()}${alias.slice(1)} `,
      ])
        assert.equal(parsePriority(spelling), p, spelling);
  });

  test('every priority is reachable by its own name, and nothing else is a priority', () => {
    for (const p of PRIORITIES) assert.equal(parsePriority(p), p);
    for (const junk of ['', 'warnings', 'inf', 'crit', 'err', 'fatal', 'high', '0'])
      assert.equal(parsePriority(junk), undefined, junk);
  });
});
