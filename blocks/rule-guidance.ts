import type { KnownBlock } from '@slack/types';
import type { RenderedGuidance } from '../src/guidance/guidance.js';
import type { RuleMatch } from '../src/guidance/rule-search.js';
import { escapeMrkdwn, inlineValue, plainText } from '../src/text/mrkdwn.js';
import { truncate } from '../src/text/truncate.js';
import { ACTION } from './action-ids.js';
import { guidanceParagraphs } from './guidance-blocks.js';
import { PRIORITY_MARKERS } from './incident-message.js';
import { LIMITS } from './limits.js';
import { packSections, section } from './text-blocks.js';

/**
 * A rule's guidance without an alert (/falco rule): the rule's own description takes
 * the place of the summary, and every command shows the variables to fill in.
 */
export function ruleGuidanceMessage(
  g: RenderedGuidance,
  alternatives: RuleMatch[],
  opts: { withPostButton: boolean },
): { text: string; blocks: KnownBlock[] } {
  const rule = g.catalog;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        emoji: true,
        text: truncate(
          `${rule ? `${PRIORITY_MARKERS[rule.priority]} ` : ''}${plainText(g.rule)}`,
          LIMITS.headerText,
        ),
      },
    },
  ];
  if (rule) {
    const meta = [
      `source ${inlineValue(rule.source)}`,
      `default priority ${rule.priority}`,
      `ruleset ${inlineValue(rule.ruleset)}`,
    ];
    if (!rule.enabledByDefault) meta.push('_disabled by default_');
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: meta.join('  ·  ') }] });
    blocks.push(section(`*What it detects*: ${escapeMrkdwn(rule.desc)}`));
  }
  const paragraphs = guidanceParagraphs(g);
  const tail: KnownBlock[] = [];
  if (alternatives.length) {
    tail.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `Also close: ${alternatives.map((a) => inlineValue(a.rule.name)).join(', ')}`,
            LIMITS.sectionText,
          ),
        },
      ],
    });
  }
  if (opts.withPostButton) {
    tail.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Post to channel' },
          action_id: ACTION.postRuleGuidance,
          value: truncate(g.rule, LIMITS.buttonValue),
        },
      ],
    });
  }
  const packed = packSections(paragraphs, LIMITS.messageBlocks - blocks.length - tail.length - 1);
  blocks.push(...packed.blocks);
  if (packed.omitted)
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `… ${packed.omitted} more parts did not fit in one message.` },
      ],
    });
  blocks.push(...tail);
  return { text: escapeMrkdwn(`Falco rule guidance: ${plainText(g.rule)}`), blocks };
}
