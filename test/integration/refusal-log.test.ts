import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { RefusalLog } from '../../src/http/refusal-log.js';
import { createLogger } from '../../src/logger.js';
import { postSigned, slashCommand } from '../helpers/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, startTestBot } from '../helpers/test-bot.js';

/** Issue 11 item 7: every refused request logged a line, a flood under attack. */
function lineSink() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

describe('refused requests are logged once per kind per interval, counted exactly', () => {
  test('300 bad ingest tokens and 300 bad Slack signatures: a few lines, exact metrics', async () => {
    const { lines, stream } = lineSink();
    const t = await startTestBot({ env: { LOG_LEVEL: 'info' }, logDestination: stream });
    try {
      const N = 300;
      for (let i = 0; i < N; i++) {
        const res = await t.postAlerts('{}', { headers: { authorization: 'Bearer wrong' } });
        assert.equal(res.status, 401);
        const c = slashCommand({ text: 'help', user_id: 'U0X', channel_id: CHANNEL });
        const s = await postSigned(
          `${t.base}/slack/events`,
          SIGNING_SECRET,
          c.body,
          c.contentType,
          {
            badSignature: true,
          },
        );
        assert.equal(s.status, 401);
      }
      assert.equal(t.bot.metrics.alertsRejected.get({ reason: 'unauthorized' }), N);
      assert.equal(t.bot.metrics.slackRequestsRefused.get({ reason: 'bad_signature' }), N);
      const refusalLines = () => lines.filter((l) => typeof l.refusal === 'string');
      // Within the interval: exactly one line per kind.
      assert.deepEqual(
        refusalLines()
          .map((l) => l.refusal)
          .sort(),
        ['401:bad_signature', '401:unauthorized'],
      );
    } finally {
      await t.close();
    }
    // Stopping flushes the counts held back, so the log still adds up.
    const held = lines.filter((l) => typeof l.count === 'number');
    const total = (cls: string) =>
      lines.filter((l) => l.refusal === cls).reduce((n, l) => n + (Number(l.count) || 1), 0);
    assert.equal(total('401:bad_signature'), 300, JSON.stringify(held));
    assert.ok(lines.filter((l) => l.refusal === '401:bad_signature').length <= 2);
  });

  test('a new interval logs the held count and the next refusal', () => {
    const { lines, stream } = lineSink();
    let now = 0;
    const log = new RefusalLog(
      createLogger({ level: 'info', format: 'json', destination: stream }),
      'refused',
      60_000,
      () => now,
    );
    for (let i = 0; i < 50; i++) log.refused('401:x', {});
    now = 60_000;
    log.refused('401:x', {});
    log.refused('400:y', {});
    log.flush();
    // Pino writes synchronously to a plain stream: the lines are there now.
    const x = lines.filter((l) => l.refusal === '401:x');
    assert.deepEqual(
      x.map((l) => l.count ?? 1),
      [1, 49, 1],
    );
    assert.equal(lines.filter((l) => l.refusal === '400:y').length, 1);
  });
});
