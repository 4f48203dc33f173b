import type { ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { Priority } from '../src/alert.js';
import type { IncidentView } from '../src/report/view-model.js';
import { inlineValue, notificationText, plainText } from '../src/text/mrkdwn.js';
import { truncate } from '../src/text/truncate.js';
import {
  guidanceParagraphs,
  matchLine,
  sectionParagraphs,
  sectionText,
  totalSteps,
} from './guidance-blocks.js';
import { LIMITS } from './limits.js';
import { mrkdwn, plain } from './rich-text.js';
import { packSections, section } from './text-blocks.js';
import { reportActions, triageActions } from './triage-actions.js';

export const PRIORITY_MARKERS: Record<Priority, string> = {
  Emergency: ':red_circle:',
  Alert: ':red_circle:',
  Critical: ':red_circle:',
  Error: ':large_orange_circle:',
  Warning: ':large_yellow_circle:',
  Notice: ':large_blue_circle:',
  Informational: ':white_circle:',
  Debug: ':white_circle:',
};

/** Steps shown before "Show all mitigations": enough to start, short enough to scan. */
export const COLLAPSED_STEPS = { triage: 2, contain: 1 } as const;

export function headerBlock(view: Pick<IncidentView, 'priority' | 'rule'>): HeaderBlock {
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      emoji: true,
      text: truncate(
        `${PRIORITY_MARKERS[view.priority]} ${view.priority}: ${plainText(view.rule)}`,
        LIMITS.headerText,
      ),
    },
  };
}

export function factsBlock(view: IncidentView): SectionBlock | undefined {
  const fields = view.facts.slice(0, LIMITS.sectionFields).map((f) => ({
    type: 'mrkdwn' as const,
    text: truncate(`*${f.label}*\n${mrkdwn(f.value)}`, LIMITS.sectionFieldText),
  }));
  return fields.length ? { type: 'section', fields } : undefined;
}

export function statusContext(view: IncidentView): ContextBlock {
  const parts = [`*${view.id}*`, mrkdwn(view.status), `source ${inlineValue(view.source)}`];
  if (!view.guidance.specific) parts.push('_generic guidance: custom rule_');
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(parts.join('  ·  '), LIMITS.sectionText) }],
  };
}

/** The `text` fallback: notifications and screen readers see this, not the blocks. */
export function fallbackText(view: IncidentView): string {
  const test = view.testEvent ? '[test event] ' : '';
  const s = `${test}${view.priority}: ${view.rule} (${view.id}) ${plain(view.summary)}`;
  return notificationText(s, 1000);
}

function testEventBlock(): ContextBlock {
  return {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: ':test_tube: *Test event*: the fields show falcosecurity/event-generator, which triggers Falco rules on purpose. Not an attack, unless someone runs the generator where they should not.',
      },
    ],
  };
}

/** The summary: the rule-specific sentence when we have guidance for the rule, else ours. */
function summaryText(view: IncidentView): string {
  const specific = view.guidance.specific ? sectionText(view.guidance, 'summary') : '';
  return specific || mrkdwn(view.summary);
}

export function analysisParagraphs(view: IncidentView): string[] {
  return view.analysis.map((a) => `• *${a.topic}*: ${mrkdwn(a.text)}`);
}

/**
 * The incident message. Collapsed: summary, key facts, the first mitigation steps.
 * Expanded: the detailed analysis and every step, within Slack's 50 blocks.
 */
export function incidentMessage(view: IncidentView): { text: string; blocks: KnownBlock[] } {
  const head: KnownBlock[] = [headerBlock(view)];
  if (view.testEvent) head.push(testEventBlock());
  head.push(section(summaryText(view)));
  const facts = factsBlock(view);
  if (facts) head.push(facts);

  const tail: KnownBlock[] = [reportActions(view), statusContext(view), triageActions(view)];
  const budget = LIMITS.messageBlocks - head.length - tail.length - 2; // divider + a trim notice
  const body: KnownBlock[] = [{ type: 'divider' }];
  const g = view.guidance;

  if (!view.expanded) {
    const steps = [
      ...sectionParagraphs(g, 'triage', { limit: COLLAPSED_STEPS.triage }),
      ...sectionParagraphs(g, 'contain', { limit: COLLAPSED_STEPS.contain }).map((p) =>
        p.replace(/^1\./, `${COLLAPSED_STEPS.triage + 1}.`),
      ),
    ];
    const shown =
      Math.min(
        COLLAPSED_STEPS.triage,
        g.doc.sections.find((s) => s.id === 'triage')?.steps.length ?? 0,
      ) +
      Math.min(
        COLLAPSED_STEPS.contain,
        g.doc.sections.find((s) => s.id === 'contain')?.steps.length ?? 0,
      );
    const total = totalSteps(g, ['triage', 'contain', 'fix', 'tune']);
    const matches = g.matches ? [matchLine(g.matches)] : [];
    const packed = packSections(
      [...matches, `*First steps* (${shown} of ${total})`, ...steps],
      Math.min(3, budget),
    );
    body.push(...packed.blocks);
  } else {
    const paragraphs = [
      '*Detailed analysis*',
      ...analysisParagraphs(view),
      ...guidanceParagraphs(g),
    ];
    const packed = packSections(paragraphs, budget);
    body.push(...packed.blocks);
    if (packed.omitted > 0) {
      body.push({
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `… ${packed.omitted} more parts did not fit in one Slack message: open *Full report*.`,
          },
        ],
      });
    }
  }
  return { text: fallbackText(view), blocks: [...head, ...body, ...tail] };
}
