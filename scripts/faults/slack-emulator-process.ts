/**
 * The project's Slack emulator as a process of its own, for fault scenarios that keep
 * every component out of the driver's process. Prints one line,
 * `EMULATOR {"apiUrl":...,"token":...}`, then serves until SIGTERM; on SIGUSR2 it prints
 * `MESSAGES <top-level messages> <distinct incidents they name>`.
 *
 *   npx tsx scripts/faults/slack-emulator-process.ts
 */
import { startSlackEmulator } from '../../test/helpers/slack-emulator.js';

const emu = await startSlackEmulator();
process.stdout.write(`EMULATOR ${JSON.stringify({ apiUrl: emu.apiUrl, token: emu.token })}\n`);
process.on('SIGUSR2', () => {
  const messages = emu.messages();
  // An incident's message names it (FT-n): two messages naming one incident are a duplicate post.
  const named = new Set(messages.map((m) => /\bFT-\d+\b/.exec(m.text)?.[0] ?? m.ts));
  process.stdout.write(`MESSAGES ${messages.length} ${named.size}\n`);
});
process.on('SIGTERM', () => void emu.close().then(() => process.exit(0)));
