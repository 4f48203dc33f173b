import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectStores, fresh, record, shell, SEC, T0 } from '../helpers/store-fixtures.js';

/**
 * Every occurrence is remembered, not only the one that opened the incident: a sender
 * retrying the second alert of an incident (its 202 lost) must not count it twice.
 */
connectStores();

void describe('replays', () => {
  void test('an occurrence grouped into an open incident is a duplicate when sent again', async (t) => {
    const { store } = fresh(t);
    await record(store, shell(), T0);
    const second = shell({ time: new Date(T0 + SEC).toISOString() });
    assert.equal((await record(store, second, T0 + SEC)).outcome, 'grouped');
    const again = await record(store, second, T0 + 2 * SEC);
    assert.equal(again.outcome, 'duplicate');
    assert.equal(again.incident?.occurrences, 2);
  });
});
