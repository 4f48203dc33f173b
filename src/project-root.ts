import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory holding package.json. Data files (templates, Lua scripts, the rule
 * catalog) are read from there, so the same code works from src/ under tsx and from
 * dist/src/ after tsc, which copies no data files.
 */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(
        'cannot find the falco-triage project root (no package.json above this module)',
      );
    dir = parent;
  }
}
