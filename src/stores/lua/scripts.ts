import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function load(name: string): string {
  return readFileSync(join(__dirname, `${name}.lua`), 'utf8');
}

/** The Lua source of every store script, read once when the module loads. */
export const LUA = {
  acquire: load('acquire'),
  renew: load('renew'),
  release: load('release'),
  inspect: load('inspect'),
  forceRelease: load('force-release'),
  dequeue: load('dequeue'),
} as const;
