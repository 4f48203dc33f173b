/**
 * Slack's documented Block Kit limits (https://docs.slack.dev/reference/block-kit), checked the
 * way Slack checks them, so a payload that passes here is one Slack will not answer with
 * `invalid_blocks`. Problems read like Slack's own `response_metadata.messages`:
 *
 *   "[ERROR] must be less than 3001 characters [json-pointer:/blocks/2/text/text]"
 *
 * Lengths are UTF-16 code units (String#length): never fewer than the characters Slack counts,
 * so this errs on the side of rejecting.
 */

interface Ctx {
  out: string[];
  blockIds: Set<string>;
  actionIds: Set<string>;
}

type Rule = (value: unknown, ptr: string, ctx: Ctx) => void;
interface Field {
  rule: Rule;
  required: boolean;
}
type Fields = Record<string, Rule | Field>;

const LIMIT = {
  messageText: 40_000,
  messageBlocks: 50,
  viewBlocks: 100,
  blockId: 255,
  actionId: 255,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  altText: 2000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  overflowMin: 2,
  overflowMax: 5,
  choiceOptions: 10,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  markdownText: 12_000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
} as const;

// ---------------------------------------------------------------------------------------------
// Rule building blocks

function problem(ctx: Ctx, level: 'ERROR' | 'WARN', msg: string, ptr?: string): void {
  ctx.out.push(ptr === undefined ? `[${level}] ${msg}` : `[${level}] ${msg} [json-pointer:${ptr}]`);
}
const error = (ctx: Ctx, msg: string, ptr: string): void => problem(ctx, 'ERROR', msg, ptr);

/** RFC 6901 escaping, so a key containing "/" still points at the right place. */
const child = (ptr: string, key: string | number): string =>
  `${ptr}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const req = (rule: Rule): Field => ({ rule, required: true });

const any: Rule = () => undefined;

function str(max: number, opts: { min?: number } = {}): Rule {
  return (v, ptr, ctx) => {
    if (typeof v !== 'string') return error(ctx, 'must provide a string', ptr);
    if (v.length < (opts.min ?? 0))
      error(ctx, `must be more than ${(opts.min ?? 0) - 1} characters`, ptr);
    if (v.length > max) error(ctx, `must be less than ${max + 1} characters`, ptr);
  };
}

const bool: Rule = (v, ptr, ctx) => {
  if (typeof v !== 'boolean') error(ctx, 'must provide a boolean', ptr);
};

const int: Rule = (v, ptr, ctx) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) error(ctx, 'must provide an integer', ptr);
};

function oneOf(...values: string[]): Rule {
  return (v, ptr, ctx) => {
    if (typeof v !== 'string' || !values.includes(v)) {
      error(ctx, `must be one of the following values: ${values.join(', ')}`, ptr);
    }
  };
}

function list(item: Rule, opts: { min?: number; max: number }): Rule {
  return (v, ptr, ctx) => {
    if (!Array.isArray(v)) return error(ctx, 'must provide an array', ptr);
    const min = opts.min ?? 0;
    if (v.length < min) error(ctx, `must provide at least ${min} items`, ptr);
    if (v.length > opts.max) error(ctx, `no more than ${opts.max} items allowed`, ptr);
    v.forEach((x, i) => item(x, child(ptr, i), ctx));
  };
}

/**
 * An object with known fields. Slack rejects properties it does not know, which is how a typo
 * like `acessory` surfaces; `open` is for shapes modelled only in part, where that check would
 * reject valid payloads.
 */
function shape(fields: Fields, opts: { open?: boolean; check?: Rule } = {}): Rule {
  return (v, ptr, ctx) => {
    if (!isObject(v)) return error(ctx, 'must provide an object', ptr);
    for (const [key, f] of Object.entries(fields)) {
      const { rule, required } = typeof f === 'function' ? { rule: f, required: false } : f;
      if (v[key] === undefined) {
        if (required) error(ctx, `missing required field: ${key}`, ptr);
      } else {
        rule(v[key], child(ptr, key), ctx);
      }
    }
    if (!opts.open) {
      for (const key of Object.keys(v)) {
        if (!(key in fields)) error(ctx, `invalid additional property: ${key}`, ptr);
      }
    }
    opts.check?.(v, ptr, ctx);
  };
}

/** A text composition object: `{type: 'plain_text' | 'mrkdwn', text}`. */
function textObject(max: number, opts: { plainOnly?: boolean } = {}): Rule {
  const plainFields = shape({ type: any, text: req(str(max, { min: 1 })), emoji: bool });
  const mrkdwnFields = shape({ type: any, text: req(str(max, { min: 1 })), verbatim: bool });
  return (v, ptr, ctx) => {
    if (!isObject(v)) return error(ctx, 'must provide an object', ptr);
    if (v.type === 'plain_text') return plainFields(v, ptr, ctx);
    if (v.type === 'mrkdwn' && !opts.plainOnly) return mrkdwnFields(v, ptr, ctx);
    error(
      ctx,
      opts.plainOnly
        ? 'must be plain_text'
        : 'must be one of the following values: plain_text, mrkdwn',
      child(ptr, 'type'),
    );
  };
}
const plain = (max: number): Rule => textObject(max, { plainOnly: true });
const text = (max: number): Rule => textObject(max);
const anyText = text(Number.MAX_SAFE_INTEGER);

/** Slack needs ids it can route interactions by, so duplicates within a payload are refused. */
function uniqueId(kind: 'block_id' | 'action_id', max: number): Rule {
  const length = str(max, { min: 1 });
  return (v, ptr, ctx) => {
    length(v, ptr, ctx);
    if (typeof v !== 'string') return;
    const seen = kind === 'block_id' ? ctx.blockIds : ctx.actionIds;
    if (seen.has(v)) error(ctx, `duplicate ${kind}: ${v}`, ptr);
    seen.add(v);
  };
}
const blockId = uniqueId('block_id', LIMIT.blockId);
const actionId = uniqueId('action_id', LIMIT.actionId);

/** Objects discriminated by `type`, each type with its own fields. */
function byType(table: Record<string, Rule>, what: string): Rule {
  return (v, ptr, ctx) => {
    if (!isObject(v)) return error(ctx, 'must provide an object', ptr);
    if (typeof v.type !== 'string') return error(ctx, 'missing required field: type', ptr);
    const rule = table[v.type];
    if (!rule) return error(ctx, `unsupported ${what} type: ${v.type}`, child(ptr, 'type'));
    rule(v, ptr, ctx);
  };
}

function exactlyOneOf(a: string, b: string): Rule {
  return (v, ptr, ctx) => {
    if (!isObject(v)) return;
    const n = Number(v[a] !== undefined) + Number(v[b] !== undefined);
    if (n !== 1) error(ctx, `must provide exactly one of: ${a}, ${b}`, ptr);
  };
}

// ---------------------------------------------------------------------------------------------
// Composition objects

const confirm = shape({
  title: req(plain(LIMIT.confirmTitle)),
  text: req(text(LIMIT.confirmText)),
  confirm: req(plain(LIMIT.confirmButton)),
  deny: req(plain(LIMIT.confirmButton)),
  style: oneOf('primary', 'danger'),
});

const optionFields = (textRule: Rule, withUrl: boolean): Fields => ({
  text: req(textRule),
  value: req(str(LIMIT.optionValue, { min: 1 })),
  description: plain(LIMIT.optionText),
  ...(withUrl ? { url: str(LIMIT.url) } : {}),
});
/** Select and overflow menus show plain text only; only overflow options may be links. */
const selectOption = shape(optionFields(plain(LIMIT.optionText), false));
const overflowOption = shape(optionFields(plain(LIMIT.optionText), true));
/** Checkboxes and radio buttons may use mrkdwn. */
const choiceOption = shape(optionFields(text(LIMIT.optionText), false));
const optionGroup = shape({
  label: req(plain(LIMIT.optionText)),
  options: req(list(selectOption, { min: 1, max: LIMIT.selectOptions })),
});

// ---------------------------------------------------------------------------------------------
// Elements

const interactive: Fields = { type: any, action_id: actionId, confirm, focus_on_load: bool };
const menu: Fields = { ...interactive, placeholder: plain(LIMIT.placeholder) };
const staticOptions: Fields = {
  options: list(selectOption, { min: 1, max: LIMIT.selectOptions }),
  option_groups: list(optionGroup, { min: 1, max: LIMIT.selectOptions }),
};
const menuCheck = exactlyOneOf('options', 'option_groups');

const imageElement = shape(
  {
    type: any,
    image_url: str(LIMIT.url),
    slack_file: any,
    alt_text: req(str(LIMIT.altText, { min: 1 })),
  },
  { check: exactlyOneOf('image_url', 'slack_file') },
);

const ELEMENTS: Record<string, Rule> = {
  button: shape({
    type: any,
    action_id: actionId,
    text: req(plain(LIMIT.buttonText)),
    value: str(LIMIT.buttonValue),
    url: str(LIMIT.url),
    style: oneOf('primary', 'danger'),
    confirm,
    accessibility_label: str(LIMIT.buttonText),
  }),
  static_select: shape(
    { ...menu, ...staticOptions, initial_option: selectOption },
    { check: menuCheck },
  ),
  multi_static_select: shape(
    {
      ...menu,
      ...staticOptions,
      initial_options: list(selectOption, { max: LIMIT.selectOptions }),
      max_selected_items: int,
    },
    { check: menuCheck },
  ),
  overflow: shape({
    type: any,
    action_id: actionId,
    confirm,
    options: req(list(overflowOption, { min: LIMIT.overflowMin, max: LIMIT.overflowMax })),
  }),
  checkboxes: shape({
    ...interactive,
    options: req(list(choiceOption, { min: 1, max: LIMIT.choiceOptions })),
    initial_options: list(choiceOption, { max: LIMIT.choiceOptions }),
  }),
  radio_buttons: shape({
    ...interactive,
    options: req(list(choiceOption, { min: 1, max: LIMIT.choiceOptions })),
    initial_option: choiceOption,
  }),
  plain_text_input: shape({
    ...menu,
    initial_value: str(3000),
    multiline: bool,
    min_length: int,
    max_length: int,
    dispatch_action_config: any,
  }),
  datepicker: shape({ ...menu, initial_date: str(10) }),
  image: imageElement,
  // Modelled in part: the common fields are checked, the rest is let through.
  external_select: shape(menu, { open: true }),
  multi_external_select: shape(menu, { open: true }),
  users_select: shape(menu, { open: true }),
  multi_users_select: shape(menu, { open: true }),
  conversations_select: shape(menu, { open: true }),
  multi_conversations_select: shape(menu, { open: true }),
  channels_select: shape(menu, { open: true }),
  multi_channels_select: shape(menu, { open: true }),
  timepicker: shape(menu, { open: true }),
  datetimepicker: shape(interactive, { open: true }),
  email_text_input: shape(menu, { open: true }),
  url_text_input: shape(menu, { open: true }),
  number_input: shape({ ...menu, is_decimal_allowed: req(bool) }, { open: true }),
  rich_text_input: shape(menu, { open: true }),
  file_input: shape(interactive, { open: true }),
  workflow_button: shape(
    {
      type: any,
      action_id: actionId,
      text: req(plain(LIMIT.buttonText)),
      workflow: req(any),
      style: oneOf('primary', 'danger'),
    },
    { open: true },
  ),
};

function elementsOf(...types: string[]): Rule {
  return byType(Object.fromEntries(types.map((t) => [t, ELEMENTS[t] as Rule])), 'element');
}
const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const actionsElement = elementsOf(
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
);
const sectionAccessory = elementsOf(
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
);
const inputElement = elementsOf(
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
  ...SELECTS,
);
const contextElement = byType(
  { image: imageElement, plain_text: anyText, mrkdwn: anyText },
  'context element',
);

// ---------------------------------------------------------------------------------------------
// Blocks

const common: Fields = { type: any, block_id: blockId };

const BLOCKS: Record<string, Rule> = {
  header: shape({ ...common, text: req(plain(LIMIT.headerText)) }),
  section: shape(
    {
      ...common,
      text: text(LIMIT.sectionText),
      fields: list(text(LIMIT.sectionFieldText), { min: 1, max: LIMIT.sectionFields }),
      accessory: sectionAccessory,
      expand: bool,
    },
    {
      check: (v, ptr, ctx) => {
        if (isObject(v) && v.text === undefined && v.fields === undefined) {
          error(ctx, 'must provide at least one of: text, fields', ptr);
        }
      },
    },
  ),
  context: shape({
    ...common,
    elements: req(list(contextElement, { min: 1, max: LIMIT.contextElements })),
  }),
  actions: shape({
    ...common,
    elements: req(list(actionsElement, { min: 1, max: LIMIT.actionsElements })),
  }),
  divider: shape(common),
  image: shape(
    {
      ...common,
      image_url: str(LIMIT.url),
      slack_file: any,
      alt_text: req(str(LIMIT.altText, { min: 1 })),
      title: plain(LIMIT.altText),
    },
    { check: exactlyOneOf('image_url', 'slack_file') },
  ),
  input: shape({
    ...common,
    label: req(plain(LIMIT.inputLabel)),
    element: req(inputElement),
    hint: plain(LIMIT.inputHint),
    optional: bool,
    dispatch_action: bool,
  }),
  // Rich text is a deep tree of its own; Slack accepts it and we do not model its insides.
  rich_text: shape({
    ...common,
    elements: req(list(any, { min: 1, max: Number.MAX_SAFE_INTEGER })),
  }),
  markdown: shape({ ...common, text: req(str(LIMIT.markdownText, { min: 1 })) }),
  file: shape({ ...common, external_id: req(str(LIMIT.externalId)), source: req(oneOf('remote')) }),
  video: shape(common, { open: true }),
};

const block = byType(BLOCKS, 'block');

function newCtx(): Ctx {
  return { out: [], blockIds: new Set(), actionIds: new Set() };
}

// ---------------------------------------------------------------------------------------------
// Surfaces

/**
 * Problems with a message payload (chat.postMessage, chat.update, chat.postEphemeral, a
 * response_url post). `[ERROR]`s make Slack refuse the call; `[WARN]`s are answered with
 * `ok: true` and a warning.
 */
export function checkMessage(payload: {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
}): string[] {
  const ctx = newCtx();
  const { text: t, blocks, attachments } = payload;
  const hasText = typeof t === 'string' && t.length > 0;
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;

  if (t !== undefined && t !== null) str(LIMIT.messageText)(t, '/text', ctx);
  if (blocks !== undefined && blocks !== null)
    list(block, { max: LIMIT.messageBlocks })(blocks, '/blocks', ctx);
  if (!hasText && !hasBlocks && !hasAttachments) problem(ctx, 'ERROR', 'no_text');
  // Without `text`, notifications and screen readers have nothing to show.
  if (hasBlocks && !hasText) problem(ctx, 'WARN', 'missing_text_in_blocks');
  return ctx.out;
}

const viewBlocks = req(list(block, { max: LIMIT.viewBlocks }));
const viewCommon: Fields = {
  type: any,
  blocks: viewBlocks,
  private_metadata: str(LIMIT.privateMetadata),
  callback_id: str(LIMIT.callbackId),
  external_id: str(LIMIT.externalId),
};
const VIEWS: Record<string, Rule> = {
  modal: shape(
    {
      ...viewCommon,
      title: req(plain(LIMIT.viewTitle)),
      submit: plain(LIMIT.viewButton),
      close: plain(LIMIT.viewButton),
      clear_on_close: bool,
      notify_on_close: bool,
      submit_disabled: bool,
    },
    {
      check: (v, ptr, ctx) => {
        const hasInput =
          isObject(v) &&
          Array.isArray(v.blocks) &&
          v.blocks.some((b) => isObject(b) && b.type === 'input');
        if (hasInput && isObject(v) && v.submit === undefined) {
          error(ctx, 'must provide a submit property when using input blocks', ptr);
        }
      },
    },
  ),
  home: shape(viewCommon),
};

/** Problems with a view (views.open, views.push, views.update, views.publish). */
export function checkView(view: unknown): string[] {
  const ctx = newCtx();
  byType(VIEWS, 'view')(view, '/view', ctx);
  return ctx.out;
}

export const isError = (p: string): boolean => p.startsWith('[ERROR]');
export const isWarning = (p: string): boolean => p.startsWith('[WARN]');
