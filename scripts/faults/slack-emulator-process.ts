/**
 * The project's Slack emulator as a process of its own, for fault scenarios that keep
 * every component out of the driver's process. Prints one line,
 * `EMULATOR {"apiUrl":...,"token":...}`, then serves until SIGTERM; on SIGUSR2 it prints
 * `MESSAGES <n>` (top-level messages posted so far).
 *
 *   npx tsx scripts/faults/slack-emulator-process.ts
 */
import { startSlackEmulator } from '../../test/helpers/slack-emulator.js';

const emu = await startSlackEmulator();
process.stdout.write(`EMULATOR ${JSON.stringify({ apiUrl: emu.apiUrl, token: emu.token })}\n`);
process.on('SIGUSR2', () => process.stdout.write(`MESSAGES ${emu.messages().length}\n`));
process.on('SIGTERM', () => void emu.close().then(() => process.exit(0)));
