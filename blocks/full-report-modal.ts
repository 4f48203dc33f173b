import type { KnownBlock, ModalView } from '@slack/types';
import type { IncidentView } from '../src/report/view-model.js';
import { codeBlockContent, plainText } from '../src/text/mrkdwn.js';
import { truncate } from '../src/text/truncate.js';
import { VIEW } from './action-ids.js';
import { guidanceParagraphs, sectionText } from './guidance-blocks.js';
import { analysisParagraphs, factsBlock, headerBlock } from './incident-message.js';
import { LIMITS } from './limits.js';
import { mrkdwn } from './rich-text.js';
import { packSections, section } from './text-blocks.js';

/** Splits raw text into code-block paragraphs that each fit a section, so nothing is cut. */
function codeChunks(label: string, raw: string): string[] {
  const room = LIMITS.sectionText - label.length - 20;
  const out: string[] = [];
  let rest = raw;
  let part = 1;
  const total = Math.max(1, Math.ceil(codeBlockContent(raw).length / room));
  while (rest.length > 0 || out.length === 0) {
    // Escaping can grow text (& -> &amp;), so cut on the raw text and measure the escaped.
    let take = Math.min(rest.length, room);
    while (take > 1 && codeBlockContent(rest.slice(0, take)).length > room)
      take = Math.floor(take * 0.9);
    const chunk = rest.slice(0, take);
    rest = rest.slice(take);
    out.push(
      `${label}${total > 1 ? ` (part ${part}/${total})` : ''}\n\`\`\`${codeBlockContent(chunk) || ' '}\`\`\``,
    );
    part++;
  }
  return out;
}

/**
 * Everything we know about the incident, for the Full report button. `omitted` counts
 * the parts a modal's 100 blocks could not hold; the caller then attaches the raw alert
 * to the incident's thread as a file, so nothing is out of reach.
 */
export function fullReportModal(view: IncidentView): { modal: ModalView; omitted: number } {
  const blocks: KnownBlock[] = [headerBlock(view)];
  const g = view.guidance;
  const paragraphs: string[] = [];
  paragraphs.push(`*Summary*`, sectionText(g, 'summary') || mrkdwn(view.summary));
  const facts = factsBlock(view);
  if (facts) blocks.push(section(paragraphs.splice(0).join('\n')), facts);
  paragraphs.push('*Detailed analysis*', ...analysisParagraphs(view), ...guidanceParagraphs(g));
  paragraphs.push(
    `*Occurrences*: ${view.occurrences.toLocaleString('en-US')} (first ${view.firstSeen}, last ${view.lastSeen})`,
  );
  paragraphs.push('*Raw alert* (latest occurrence)');
  for (const f of view.fields)
    paragraphs.push(...codeChunks(`\`${plainText(f.key).replace(/`/g, 'ˋ')}\``, f.value));
  if (view.output) paragraphs.push(...codeChunks('`output`', view.output));
  if (view.tags.length) paragraphs.push(...codeChunks('`tags`', view.tags.join(', ')));

  const budget = LIMITS.modalBlocks - blocks.length - 1;
  const packed = packSections(paragraphs, budget);
  blocks.push(...packed.blocks);
  if (packed.omitted > 0) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `… ${packed.omitted} more parts do not fit in a Slack modal (100 blocks): the full alert is attached as a file in the incident's thread.`,
        },
      ],
    });
  }
  const modal: ModalView = {
    type: 'modal',
    callback_id: VIEW.fullReport,
    title: { type: 'plain_text', text: truncate(`${view.id} report`, LIMITS.modalTitle) },
    close: { type: 'plain_text', text: 'Close' },
    private_metadata: view.id,
    blocks,
  };
  return { modal, omitted: packed.omitted };
}
