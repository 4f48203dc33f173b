import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keys } from '../../src/incidents/keys.js';
import { INCIDENT_SCRIPTS, loadScripts, luaDir } from '../../src/incidents/scripts.js';
import { connectStores, fresh, open, record, redis, shell, T0 } from '../helpers/store-fixtures.js';
import { IS_CLUSTER, keysUnder } from '../helpers/redis.js';

/** The Lua scripts themselves: files, headers, and the keys they build (ADR 0001). */

connectStores();

void describe('scripts', () => {
  void test('keys the scripts build from the prefix are exactly the ones Keys builds, all under one hash tag', async (t) => {
    const { store, keys } = fresh(t);
    const first = shell();
    const i = await open(store, { time: first.time });
    await store.triage.assign(i.id, 'U1', 'U2', T0 + 1);
    await store.triage.resolve(i.id, 'U1', 'benign', undefined, T0 + 2);
    const again = shell();
    const back = await record(store, again, T0 + 3);
    assert.equal(back.outcome, 'reopened');
    const found = (await keysUnder(redis, keys.base)).sort();
    assert.deepEqual(
      found,
      [
        keys.incident(i.id),
        keys.timeline(i.id),
        keys.byAssignee('U2'),
        keys.fingerprint(i.fingerprint),
        keys.incidentSeq,
        keys.openByPriority,
        keys.byRule(i.rule),
        keys.outboxDue,
        keys.incidentRefs,
        keys.dedupe(i.fingerprint),
      ].sort(),
    );
    assert.ok(
      found.every((k) => k.startsWith(keys.base)),
      'one hash tag, one Cluster slot',
    );
    if (IS_CLUSTER) {
      const slots = await Promise.all(found.map((k) => redis.cluster('KEYSLOT', k)));
      assert.equal(new Set(slots).size, 1, 'every key on one Cluster slot');
    }
    assert.equal(await redis.zscore(keys.byAssignee('U2'), i.id), String(i.firstSeen));
  });

  void test('a script refuses a key prefix that is not the prefix of the keys it was given', async (t) => {
    const { keys } = fresh(t);
    const other = new Keys('elsewhere:');
    await assert.rejects(
      redis.ftTransition(
        keys.incident('FT-1'),
        keys.timeline('FT-1'),
        keys.openByPriority,
        keys.resolvedByTime,
        keys.outboxDue,
        keys.outboxLeases,
        other.base,
        'FT-1',
        'acknowledge',
        'U1',
        T0,
        '',
        60,
        100,
      ),
      /is not the prefix of/,
    );
  });

  void test('every script is declared with its number of keys and opens with a KEYS/ARGV/Returns header', () => {
    const dir = luaDir();
    const files = readdirSync(dir).filter((f) => f.endsWith('.lua'));
    assert.deepEqual(
      files.map((f) => f.replace(/\.lua$/, '')).sort(),
      Object.entries(INCIDENT_SCRIPTS)
        .map(([name, n]) => `${name}-${n}`)
        .sort(),
    );
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(text.startsWith('--[['), `${f} opens with a header comment`);
      const header = text.slice(0, text.indexOf(']]'));
      assert.match(header, /KEYS\[1\]/, `${f} lists its KEYS`);
      assert.match(header, /ARGV/, `${f} lists its ARGV`);
      assert.match(header, /Returns/, `${f} says what it returns`);
    }
    assert.equal(loadScripts().length, files.length);
  });
});
