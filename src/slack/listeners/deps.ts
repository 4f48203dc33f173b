import type { Config } from '../../config.js';
import type { GuidanceLibrary } from '../../guidance/guidance.js';
import type { SilenceStore, StormStore, TriageStore } from '../../incidents/store.js';
import type { Logger } from '../../logger.js';
import type { Renderer } from '../../report/render.js';
import type { Permissions } from '../permissions.js';
import type { Publisher } from '../publisher.js';
import type { UserDirectory } from '../user-directory.js';

/** What every listener is given; passed in by registerListeners, never imported as a singleton. */
export interface ListenerDeps {
  /** The store's part for people's changes, notes and the reads that answer them. */
  store: TriageStore;
  /** Storm digests: their incidents, and verbs on all of them. */
  storms: StormStore;
  silences: SilenceStore;
  publisher: Publisher;
  users: UserDirectory;
  renderer: Renderer;
  guidance: GuidanceLibrary;
  permissions: Permissions;
  config: Readonly<Config>;
  log: Logger;
  /** The bot's clock (tests move it): silences end and incidents change at this time. */
  now: () => number;
}
