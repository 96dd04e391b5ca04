import { LockConfigError } from '../../engine/errors';
import { LUA_SOURCES } from './lua-sources.generated';

// The .lua files are the source of truth, but they are inlined at build time
// (scripts/lua-sources.js) rather than read from disk: a bundled application has no .lua files
// next to its code.

const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;

/**
 * The script in `file` (a path relative to src/stores/lua), assembled from its parts: each
 * `--- @include "include/name"` line is removed and the file it names (`include/name.lua`) is
 * prepended, once per script however often it is included, includes of includes first. This is
 * how shared Lua (the clock read, the dead-waiter sweep) is written once, as BullMQ does. A
 * missing file or an include cycle is a `LockConfigError` (a packaging mistake, found when the
 * module loads).
 */
export function assembleScript(
  file: string,
  sources: Readonly<Record<string, string>> = LUA_SOURCES,
): string {
  const prepended: string[] = [];
  const seen = new Set<string>([file]);
  const expand = (path: string, chain: readonly string[]): string => {
    const text = sources[path];
    if (text === undefined) {
      throw new LockConfigError(`Lua script ${chain.join(' includes ')} does not exist`);
    }
    return text.replace(INCLUDE, (_line, name: string) => {
      const included = `${name}.lua`;
      if (chain.includes(included)) {
        throw new LockConfigError(`Lua include cycle: ${[...chain, included].join(' includes ')}`);
      }
      if (!seen.has(included)) {
        seen.add(included);
        prepended.push(expand(included, [...chain, included]));
      }
      return '';
    });
  };
  const body = expand(file, [file]);
  return [...prepended, body].join('\n');
}

/** The Lua source of every store script, assembled once when the module loads. */
export const LUA = {
  acquire: assembleScript('acquire.lua'),
  acquireMany: assembleScript('acquire-many.lua'),
  renew: assembleScript('renew.lua'),
  renewMany: assembleScript('renew-many.lua'),
  release: assembleScript('release.lua'),
  inspect: assembleScript('inspect.lua'),
  forceRelease: assembleScript('force-release.lua'),
  dequeue: assembleScript('dequeue.lua'),
  serverVersion: assembleScript('server-version.lua'),
} as const;
