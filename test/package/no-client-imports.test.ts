import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const root = join(__dirname, '../..');
const fixture = join(__dirname, '../fixtures/no-clients');

// Every client package is an optional peer: a user of one kind (or of none, with the memory
// store) must not need the others installed, nor get them in a bundle.
describe('importing lockwarden loads no Redis client package', () => {
  it('works with ioredis, redis and @valkey/valkey-glide unresolvable', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        join(fixture, 'block-clients.js'),
        '-r',
        '@swc-node/register',
        join(fixture, 'main.ts'),
      ],
      { cwd: root },
    );
    expect(JSON.parse(stdout)).toEqual({ fence: true, refused: 'LockConfigError', loaded: [] });
  }, 30_000);

  it('bundles without any client package (esbuild)', async () => {
    const result = await build({
      entryPoints: [join(root, 'src/index.ts')],
      bundle: true,
      platform: 'node',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((path) =>
      /node_modules\/(ioredis|redis|@redis|@valkey)\//.test(path),
    );
    expect(inputs).toEqual([]);
  });
});
