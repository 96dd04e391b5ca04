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

  it('give the store each script from its own file', () => {
    expect(LUA.acquire).toBe(readFileSync(join(luaDir, 'acquire.lua'), 'utf8'));
    expect(LUA.forceRelease).toBe(readFileSync(join(luaDir, 'force-release.lua'), 'utf8'));
  });
});
