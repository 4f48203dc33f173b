import type { SectionBlock } from '@slack/types';
import { truncate } from '../src/text/truncate.js';
import { LIMITS } from './limits.js';

export function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

/**
 * Packs paragraphs into as few section blocks as fit 3,000 characters each; a single
 * paragraph over the limit is trimmed with a visible marker. Returns at most maxBlocks
 * blocks, and how many paragraphs did not fit.
 */
export function packSections(
  paragraphs: string[],
  maxBlocks: number,
): { blocks: SectionBlock[]; omitted: number } {
  const blocks: SectionBlock[] = [];
  let current = '';
  let pending = 0;
  let emitted = 0;
  const flush = (): boolean => {
    if (!current) return true;
    if (blocks.length >= maxBlocks) return false;
    blocks.push(section(current));
    emitted += pending;
    current = '';
    pending = 0;
    return true;
  };
  for (const p of paragraphs) {
    if (current && current.length + 1 + p.length > LIMITS.sectionText && !flush()) break;
    current = current ? `${current}\n${p}` : p;
    pending++;
  }
  flush();
  return { blocks, omitted: paragraphs.length - emitted };
}
