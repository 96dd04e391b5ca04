import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '../../..');

describe('npm run build', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'lockwarden-build-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  // tsc over the whole source tree: far beyond 30 s on a loaded machine.
  it('emits JavaScript and declarations for every entry point, with the Lua scripts inlined', async () => {
    await run(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        outDir,
      ],
      { cwd: root, timeout: 120_000 },
    );
    for (const entry of ['index', 'nestjs/index', 'testing/index']) {
      expect(existsSync(join(outDir, `${entry}.js`))).toBe(true);
      expect(existsSync(join(outDir, `${entry}.d.ts`))).toBe(true);
    }
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `const lw = require(${JSON.stringify(join(outDir, 'index.js'))});
         console.log(typeof lw.LockEngine, typeof lw.RedisLockStore, new lw.MemoryLockStore().size);`,
      ],
      { cwd: root },
    );
    expect(stdout.trim()).toBe('function function 0');
  }, 180_000);
});
