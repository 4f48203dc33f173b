import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkMessage, checkView } from '../helpers/block-kit-limits.js';

const a = (n: number): string => 'a'.repeat(n);
const pt = (text: string): Record<string, unknown> => ({ type: 'plain_text', text });
const md = (text: string): Record<string, unknown> => ({ type: 'mrkdwn', text });
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

const divider = { type: 'divider' };
const button = (i = 0, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'button',
  action_id: `b${i}`,
  text: pt('Ack'),
  ...extra,
});
const option = (i: number, text = `o${i}`, value = `v${i}`): Record<string, unknown> => ({
  text: pt(text),
  value,
});
const section = (extra: Record<string, unknown>): Record<string, unknown> => ({
  type: 'section',
  ...extra,
});
const confirm = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  title: pt('Sure?'),
  text: md('Really?'),
  confirm: pt('Yes'),
  deny: pt('No'),
  ...extra,
});

/** A message with fallback text, so only the blocks are in question. */
const msg = (...blocks: unknown[]): string[] => checkMessage({ text: 'fallback', blocks });
const modal = (extra: Record<string, unknown> = {}, blocks: unknown[] = [divider]): string[] =>
  checkView({ type: 'modal', title: pt('Triage'), blocks, ...extra });
const inputBlock = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'input',
  label: pt('Reason'),
  element: { type: 'plain_text_input', action_id: 'reason' },
  ...extra,
});

const errors = (problems: string[]): string[] => problems.filter((p) => p.startsWith('[ERROR]'));

/**
 * One row per documented limit: `check(limit)` must pass, `check(limit + 1)` (or `limit - 1`
 * for minimums) must fail with an error at `pointer`.
 */
const LIMITS: Array<{
  name: string;
  limit: number;
  min?: boolean;
  pointer: string;
  check: (n: number) => string[];
}> = [
  {
    name: 'message text',
    limit: 40_000,
    pointer: '/text',
    check: (n) => checkMessage({ text: a(n) }),
  },
  {
    name: 'blocks in a message',
    limit: 50,
    pointer: '/blocks',
    check: (n) => msg(...times(n, () => divider)),
  },
  {
    name: 'blocks in a modal',
    limit: 100,
    pointer: '/view/blocks',
    check: (n) =>
      modal(
        {},
        times(n, () => divider),
      ),
  },
  {
    name: 'blocks in a home tab',
    limit: 100,
    pointer: '/view/blocks',
    check: (n) => checkView({ type: 'home', blocks: times(n, () => divider) }),
  },
  {
    name: 'block_id',
    limit: 255,
    pointer: '/blocks/0/block_id',
    check: (n) => msg({ ...divider, block_id: a(n) }),
  },
  {
    name: 'header text',
    limit: 150,
    pointer: '/blocks/0/text/text',
    check: (n) => msg({ type: 'header', text: pt(a(n)) }),
  },
  {
    name: 'section text',
    limit: 3000,
    pointer: '/blocks/0/text/text',
    check: (n) => msg(section({ text: md(a(n)) })),
  },
  {
    name: 'section fields',
    limit: 10,
    pointer: '/blocks/0/fields',
    check: (n) => msg(section({ fields: times(n, () => md('x')) })),
  },
  {
    name: 'section field text',
    limit: 2000,
    pointer: '/blocks/0/fields/0/text',
    check: (n) => msg(section({ fields: [md(a(n))] })),
  },
  {
    name: 'context elements',
    limit: 10,
    pointer: '/blocks/0/elements',
    check: (n) => msg({ type: 'context', elements: times(n, () => md('x')) }),
  },
  {
    name: 'actions elements',
    limit: 25,
    pointer: '/blocks/0/elements',
    check: (n) => msg({ type: 'actions', elements: times(n, (i) => button(i)) }),
  },
  {
    name: 'action_id',
    limit: 255,
    pointer: '/blocks/0/elements/0/action_id',
    check: (n) => msg({ type: 'actions', elements: [button(0, { action_id: a(n) })] }),
  },
  {
    name: 'button text',
    limit: 75,
    pointer: '/blocks/0/elements/0/text/text',
    check: (n) => msg({ type: 'actions', elements: [button(0, { text: pt(a(n)) })] }),
  },
  {
    name: 'button value',
    limit: 2000,
    pointer: '/blocks/0/elements/0/value',
    check: (n) => msg({ type: 'actions', elements: [button(0, { value: a(n) })] }),
  },
  {
    name: 'button url',
    limit: 3000,
    pointer: '/blocks/0/accessory/url',
    check: (n) => msg(section({ text: md('x'), accessory: button(0, { url: a(n) }) })),
  },
  {
    name: 'image block alt_text',
    limit: 2000,
    pointer: '/blocks/0/alt_text',
    check: (n) => msg({ type: 'image', image_url: 'https://example.com/a.png', alt_text: a(n) }),
  },
  {
    name: 'image element alt_text',
    limit: 2000,
    pointer: '/blocks/0/elements/0/alt_text',
    check: (n) =>
      msg({
        type: 'context',
        elements: [{ type: 'image', image_url: 'https://e.x/a.png', alt_text: a(n) }],
      }),
  },
  {
    name: 'input label',
    limit: 2000,
    pointer: '/view/blocks/0/label/text',
    check: (n) => modal({ submit: pt('Save') }, [inputBlock({ label: pt(a(n)) })]),
  },
  {
    name: 'input hint',
    limit: 2000,
    pointer: '/view/blocks/0/hint/text',
    check: (n) => modal({ submit: pt('Save') }, [inputBlock({ hint: pt(a(n)) })]),
  },
  {
    name: 'static_select options',
    limit: 100,
    pointer: '/blocks/0/elements/0/options',
    check: (n) =>
      msg({
        type: 'actions',
        elements: [{ type: 'static_select', action_id: 's', options: times(n, (i) => option(i)) }],
      }),
  },
  {
    name: 'multi_static_select options',
    limit: 100,
    pointer: '/blocks/0/elements/0/options',
    check: (n) =>
      msg({
        type: 'actions',
        elements: [
          { type: 'multi_static_select', action_id: 's', options: times(n, (i) => option(i)) },
        ],
      }),
  },
  {
    name: 'option text',
    limit: 75,
    pointer: '/blocks/0/elements/0/options/0/text/text',
    check: (n) =>
      msg({
        type: 'actions',
        elements: [{ type: 'static_select', action_id: 's', options: [option(0, a(n))] }],
      }),
  },
  {
    name: 'option value',
    limit: 150,
    pointer: '/blocks/0/elements/0/options/0/value',
    check: (n) =>
      msg({
        type: 'actions',
        elements: [{ type: 'static_select', action_id: 's', options: [option(0, 'x', a(n))] }],
      }),
  },
  {
    name: 'overflow options (at most)',
    limit: 5,
    pointer: '/blocks/0/accessory/options',
    check: (n) =>
      msg(
        section({
          text: md('x'),
          accessory: { type: 'overflow', action_id: 'o', options: times(n, (i) => option(i)) },
        }),
      ),
  },
  {
    name: 'overflow options (at least)',
    limit: 2,
    min: true,
    pointer: '/blocks/0/accessory/options',
    check: (n) =>
      msg(
        section({
          text: md('x'),
          accessory: { type: 'overflow', action_id: 'o', options: times(n, (i) => option(i)) },
        }),
      ),
  },
  ...(
    [
      ['title', 100],
      ['text', 300],
      ['confirm', 30],
      ['deny', 30],
    ] as const
  ).map(([field, limit]) => ({
    name: `confirm dialog ${field}`,
    limit,
    pointer: `/blocks/0/elements/0/confirm/${field}/text`,
    check: (n: number) =>
      msg({
        type: 'actions',
        elements: [
          button(0, { confirm: confirm({ [field]: field === 'text' ? md(a(n)) : pt(a(n)) }) }),
        ],
      }),
  })),
  {
    name: 'modal title',
    limit: 24,
    pointer: '/view/title/text',
    check: (n) => modal({ title: pt(a(n)) }),
  },
  {
    name: 'modal submit',
    limit: 24,
    pointer: '/view/submit/text',
    check: (n) => modal({ submit: pt(a(n)) }),
  },
  {
    name: 'modal close',
    limit: 24,
    pointer: '/view/close/text',
    check: (n) => modal({ close: pt(a(n)) }),
  },
  {
    name: 'private_metadata',
    limit: 3000,
    pointer: '/view/private_metadata',
    check: (n) => modal({ private_metadata: a(n) }),
  },
  {
    name: 'callback_id',
    limit: 255,
    pointer: '/view/callback_id',
    check: (n) => modal({ callback_id: a(n) }),
  },
  {
    name: 'external_id',
    limit: 255,
    pointer: '/view/external_id',
    check: (n) => modal({ external_id: a(n) }),
  },
];

describe('Block Kit limits, at the boundary and one past it', () => {
  for (const row of LIMITS) {
    test(`${row.name}: ${row.min ? 'at least' : 'at most'} ${row.limit}`, () => {
      assert.deepEqual(errors(row.check(row.limit)), [], 'accepted at the limit');
      const past = errors(row.check(row.min ? row.limit - 1 : row.limit + 1));
      assert.ok(
        past.some((p) => p.endsWith(`[json-pointer:${row.pointer}]`)),
        `rejected one past the limit at ${row.pointer}; got ${JSON.stringify(past)}`,
      );
    });
  }
});

describe('checkMessage', () => {
  test('reports problems in Slack’s own words', () => {
    const problems = msg(divider, divider, section({ text: md(a(3001)) }));
    assert.deepEqual(problems, [
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/2/text/text]',
    ]);
  });

  test('text only is fine, blocks without text is a warning, nothing at all is no_text', () => {
    assert.deepEqual(checkMessage({ text: 'hi' }), []);
    assert.deepEqual(checkMessage({ blocks: [divider] }), ['[WARN] missing_text_in_blocks']);
    assert.deepEqual(checkMessage({ text: '', blocks: [divider] }), [
      '[WARN] missing_text_in_blocks',
    ]);
    assert.deepEqual(checkMessage({}), ['[ERROR] no_text']);
    assert.deepEqual(checkMessage({ text: '', blocks: [] }), ['[ERROR] no_text']);
  });

  test('blocks must be an array of known block types', () => {
    assert.deepEqual(checkMessage({ text: 'x', blocks: { type: 'divider' } }), [
      '[ERROR] must provide an array [json-pointer:/blocks]',
    ]);
    assert.deepEqual(msg({ type: 'fancy' }), [
      '[ERROR] unsupported block type: fancy [json-pointer:/blocks/0/type]',
    ]);
    assert.deepEqual(msg({ text: md('x') }), [
      '[ERROR] missing required field: type [json-pointer:/blocks/0]',
    ]);
  });

  test('divider and rich_text are accepted', () => {
    const richText = {
      type: 'rich_text',
      elements: [
        {
          type: 'rich_text_section',
          elements: [{ type: 'text', text: 'hello', style: { bold: true } }],
        },
      ],
    };
    assert.deepEqual(msg(divider, richText), []);
  });

  test('text objects: plain_text or mrkdwn, with a non-empty string', () => {
    assert.deepEqual(msg(section({ text: { type: 'markdown', text: 'x' } })), [
      '[ERROR] must be one of the following values: plain_text, mrkdwn [json-pointer:/blocks/0/text/type]',
    ]);
    assert.deepEqual(msg(section({ text: md('') })), [
      '[ERROR] must be more than 0 characters [json-pointer:/blocks/0/text/text]',
    ]);
    assert.deepEqual(msg(section({ text: { type: 'mrkdwn', text: 42 } })), [
      '[ERROR] must provide a string [json-pointer:/blocks/0/text/text]',
    ]);
    assert.deepEqual(msg(section({ text: { type: 'mrkdwn' } })), [
      '[ERROR] missing required field: text [json-pointer:/blocks/0/text]',
    ]);
  });

  test('emoji is a boolean, and only on plain_text', () => {
    assert.deepEqual(msg({ type: 'header', text: { ...pt('x'), emoji: true } }), []);
    assert.deepEqual(msg({ type: 'header', text: { ...pt('x'), emoji: 'yes' } }), [
      '[ERROR] must provide a boolean [json-pointer:/blocks/0/text/emoji]',
    ]);
    assert.deepEqual(msg(section({ text: { ...md('x'), emoji: true } })), [
      '[ERROR] invalid additional property: emoji [json-pointer:/blocks/0/text]',
    ]);
  });

  test('header text is plain_text only', () => {
    assert.deepEqual(msg({ type: 'header', text: md('x') }), [
      '[ERROR] must be plain_text [json-pointer:/blocks/0/text/type]',
    ]);
  });

  test('button text is plain_text only and style is primary or danger', () => {
    const actions = (b: Record<string, unknown>): string[] =>
      msg({ type: 'actions', elements: [b] });
    assert.deepEqual(actions(button(0, { text: md('x') })), [
      '[ERROR] must be plain_text [json-pointer:/blocks/0/elements/0/text/type]',
    ]);
    assert.deepEqual(actions(button(0, { style: 'primary' })), []);
    assert.deepEqual(actions(button(0, { style: 'danger' })), []);
    assert.deepEqual(actions(button(0, { style: 'secondary' })), [
      '[ERROR] must be one of the following values: primary, danger [json-pointer:/blocks/0/elements/0/style]',
    ]);
  });

  test('a section needs text or fields', () => {
    assert.deepEqual(msg(section({})), [
      '[ERROR] must provide at least one of: text, fields [json-pointer:/blocks/0]',
    ]);
    assert.deepEqual(msg(section({ fields: [md('x')] })), []);
  });

  test('block_id is unique within the payload, action_id within the block set', () => {
    assert.deepEqual(msg({ ...divider, block_id: 'x' }, { ...divider, block_id: 'x' }), [
      '[ERROR] duplicate block_id: x [json-pointer:/blocks/1/block_id]',
    ]);
    assert.deepEqual(
      msg(
        { type: 'actions', elements: [button(1)] },
        section({ text: md('x'), accessory: button(1) }),
      ),
      ['[ERROR] duplicate action_id: b1 [json-pointer:/blocks/1/accessory/action_id]'],
    );
    // Separate payloads do not share ids.
    assert.deepEqual(msg({ ...divider, block_id: 'x' }), []);
  });

  test('unknown properties are refused, which is how typos surface', () => {
    assert.deepEqual(msg(section({ text: md('x'), acessory: button() })), [
      '[ERROR] invalid additional property: acessory [json-pointer:/blocks/0]',
    ]);
  });

  test('elements must suit their block', () => {
    assert.deepEqual(
      msg({ type: 'actions', elements: [{ type: 'plain_text_input', action_id: 'x' }] }),
      [
        '[ERROR] unsupported element type: plain_text_input [json-pointer:/blocks/0/elements/0/type]',
      ],
    );
  });

  test('a select needs options or option_groups, not both', () => {
    const sel = (extra: Record<string, unknown>): string[] =>
      msg({ type: 'actions', elements: [{ type: 'static_select', action_id: 's', ...extra }] });
    assert.deepEqual(sel({}), [
      '[ERROR] must provide exactly one of: options, option_groups [json-pointer:/blocks/0/elements/0]',
    ]);
    assert.deepEqual(sel({ option_groups: [{ label: pt('G'), options: [option(1)] }] }), []);
  });
});

describe('checkView', () => {
  test('type is modal or home', () => {
    assert.deepEqual(checkView({ type: 'dialog', blocks: [] }), [
      '[ERROR] unsupported view type: dialog [json-pointer:/view/type]',
    ]);
  });

  test('a modal needs a plain_text title', () => {
    assert.deepEqual(checkView({ type: 'modal', blocks: [] }), [
      '[ERROR] missing required field: title [json-pointer:/view]',
    ]);
    assert.deepEqual(modal({ title: md('T') }), [
      '[ERROR] must be plain_text [json-pointer:/view/title/type]',
    ]);
  });

  test('a modal with an input block needs submit', () => {
    assert.deepEqual(modal({}, [inputBlock()]), [
      '[ERROR] must provide a submit property when using input blocks [json-pointer:/view]',
    ]);
    assert.deepEqual(modal({ submit: pt('Save') }, [inputBlock()]), []);
  });

  test('an input block needs a label and an element', () => {
    assert.deepEqual(modal({ submit: pt('Save') }, [{ type: 'input', label: pt('Reason') }]), [
      '[ERROR] missing required field: element [json-pointer:/view/blocks/0]',
    ]);
  });

  test('a home tab takes no title', () => {
    assert.deepEqual(checkView({ type: 'home', blocks: [divider] }), []);
    assert.deepEqual(checkView({ type: 'home', title: pt('x'), blocks: [] }), [
      '[ERROR] invalid additional property: title [json-pointer:/view]',
    ]);
  });
});
