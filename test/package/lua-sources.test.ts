import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LUA_SOURCES } from '../../src/stores/lua/lua-sources.generated';
import { LUA } from '../../src/stores/lua/scripts';

const luaDir = join(__dirname, '../../src/stores/lua');

describe('inlined Lua sources (src/stores/lua/lua-sources.generated.ts)', () => {
  it('are up to date with the .lua files (run `npm run lua` when this fails)', async () => {
    // In a child process: Prettier, which formats the generated module, needs ESM loading.
    const check = promisify(execFile)(process.execPath, ['scripts/lua-sources.js', '--check'], {
      cwd: join(__dirname, '../..'),
    });
    await expect(check).resolves.toMatchObject({ stderr: '' });
  });

  it('hold every .lua file byte for byte', () => {
    const files = readdirSync(luaDir).filter((f) => f.endsWith('.lua'));
    expect(Object.keys(LUA_SOURCES).sort()).toEqual(expect.arrayContaining(files.sort()));
    for (const file of files) {
      expect(LUA_SOURCES[file as keyof typeof LUA_SOURCES]).toBe(
        readFileSync(join(luaDir, file), 'utf8'),
      );
    }
  });

  it('give the store each script from its own file, with the shared snippets it includes', () => {
    const read = (file: string): string => readFileSync(join(luaDir, file), 'utf8');
    expect(LUA.forceRelease).toBe(read('force-release.lua'));
    // The clock read and the dead-waiter sweep are written once and prepended where included.
    for (const script of [LUA.acquire, LUA.release]) {
      expect(script).toContain(read('include/clock.lua'));
      expect(script).toContain(read('include/drop-gone-waiters.lua'));
      expect(script).not.toContain('@include');
      expect(script.match(/redis\.call\('TIME'\)/g)).toHaveLength(1);
    }
    expect(LUA.acquire.endsWith(read('acquire.lua').replace(/^--- @include .*$/gm, ''))).toBe(true);
  });
});
