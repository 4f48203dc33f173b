import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisKey, RedisValue, Result } from 'ioredis';
import type { RedisClient } from '../redis-connection.js';

/**
 * Every incident script and its number of KEYS. The .lua files are named
 * `<name>-<numberOfKeys>.lua`; loading fails when the files and this list disagree, so
 * a script cannot change its keys without its TypeScript signature changing too.
 */
export const INCIDENT_SCRIPTS = {
  recordOccurrence: 13,
  sweepStorms: 2,
  showInStorm: 2,
  stormAction: 4,
  silence: 3,
  swallow: 2,
  transition: 6,
  claimReady: 4,
  renewLeases: 1,
  markPosted: 5,
  markRendered: 3,
  markPostAttempted: 1,
  reschedule: 2,
  advanceThreadCursor: 1,
  takePostingSlot: 1,
  deferChannel: 1,
  purge: 9,
  takeTurn: 1,
  addNote: 2,
  changeNote: 2,
} as const;
type ScriptName = keyof typeof INCIDENT_SCRIPTS;

/** A script's reply: integers, strings, and nil (null) for missing values. */
export type ScriptReply = (string | number | null)[];

type Repeat<T, N extends number, R extends T[] = []> = R['length'] extends N
  ? R
  : Repeat<T, N, [...R, T]>;
type ScriptArgs<N extends number> = [...Repeat<RedisKey, N>, ...RedisValue[]];

declare module 'ioredis' {
  // Prefixed so they cannot collide with Redis commands or other modules' scripts on a
  // shared connection.
  interface RedisCommander<Context> {
    ftRecordOccurrence(...args: ScriptArgs<13>): Result<ScriptReply, Context>;
    ftSweepStorms(...args: ScriptArgs<2>): Result<string[], Context>;
    ftShowInStorm(...args: ScriptArgs<2>): Result<number, Context>;
    ftStormAction(...args: ScriptArgs<4>): Result<ScriptReply, Context>;
    ftSilence(...args: ScriptArgs<3>): Result<ScriptReply, Context>;
    ftSwallow(...args: ScriptArgs<2>): Result<number, Context>;
    ftTransition(...args: ScriptArgs<6>): Result<ScriptReply, Context>;
    ftClaimReady(...args: ScriptArgs<4>): Result<(string | number)[], Context>;
    ftRenewLeases(...args: ScriptArgs<1>): Result<number[], Context>;
    ftMarkPosted(...args: ScriptArgs<5>): Result<number, Context>;
    ftMarkRendered(...args: ScriptArgs<3>): Result<number, Context>;
    ftMarkPostAttempted(...args: ScriptArgs<1>): Result<number, Context>;
    ftReschedule(...args: ScriptArgs<2>): Result<number, Context>;
    ftAdvanceThreadCursor(...args: ScriptArgs<1>): Result<number, Context>;
    ftTakePostingSlot(...args: ScriptArgs<1>): Result<number, Context>;
    ftDeferChannel(...args: ScriptArgs<1>): Result<number, Context>;
    ftPurge(...args: ScriptArgs<9>): Result<number, Context>;
    ftTakeTurn(...args: ScriptArgs<1>): Result<number, Context>;
    ftAddNote(...args: ScriptArgs<2>): Result<string | number, Context>;
    ftChangeNote(...args: ScriptArgs<2>): Result<string | number, Context>;
  }
}

export function commandName(script: ScriptName): string {
  return `ft${script[0]?.toUpperCase() ?? ''}${script.slice(1)}`;
}

interface LoadedScript {
  name: ScriptName;
  numberOfKeys: number;
  lua: string;
}

let loaded: LoadedScript[] | undefined;
const defined = new WeakSet<RedisClient>();

/** Defines the incident commands on a connection (once per connection). */
export function defineIncidentCommands(redis: RedisClient): void {
  if (defined.has(redis)) return;
  for (const s of loadScripts()) {
    redis.defineCommand(commandName(s.name), { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  defined.add(redis);
}

/** Reads and checks the .lua files once per process. */
export function loadScripts(): LoadedScript[] {
  if (loaded) return loaded;
  const dir = luaDir();
  const found = new Map<string, LoadedScript>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.lua'))) {
    const m = /^([A-Za-z]+)-(\d+)\.lua$/.exec(file);
    const name = m?.[1];
    if (!m || !name || !(name in INCIDENT_SCRIPTS)) {
      throw new Error(
        `${join(dir, file)}: not a known incident script; name it <name>-<numberOfKeys>.lua and add it to INCIDENT_SCRIPTS in scripts.ts`,
      );
    }
    const numberOfKeys = Number(m[2]);
    const expected = INCIDENT_SCRIPTS[name as ScriptName];
    if (numberOfKeys !== expected) {
      throw new Error(
        `${join(dir, file)} takes ${numberOfKeys} keys but scripts.ts declares ${expected}; update one of them`,
      );
    }
    const lua = expandIncludes(readFileSync(join(dir, file), 'utf8'), dir, file);
    found.set(name, { name: name as ScriptName, numberOfKeys, lua });
  }
  const missing = Object.keys(INCIDENT_SCRIPTS).filter((n) => !found.has(n));
  if (missing.length) {
    throw new Error(`${dir} lacks the incident scripts: ${missing.join(', ')}`);
  }
  loaded = [...found.values()];
  return loaded;
}

/**
 * Replaces `--- @include "name"` lines with lua/includes/name.lua (the convention BullMQ
 * uses), since Redis has no way to share functions between scripts loaded with EVAL.
 */
function expandIncludes(lua: string, dir: string, file: string): string {
  return lua.replace(/^--- @include "([\w-]+)"\s*$/gm, (_line, name: string) => {
    const path = join(dir, 'includes', `${name}.lua`);
    if (!existsSync(path))
      throw new Error(`${join(dir, file)} includes ${path}, which does not exist`);
    return readFileSync(path, 'utf8');
  });
}

/**
 * tsc does not copy .lua files into dist/, so the scripts are always read from the
 * source tree: found from the package root, whether this module runs from src/ (tsx)
 * or from dist/src/.
 */
export function luaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'incidents', 'lua');
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `no package.json above ${fileURLToPath(import.meta.url)}; cannot find the Lua scripts`,
      );
    }
    dir = parent;
  }
}
