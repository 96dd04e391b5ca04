import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packedLibrary } from '../support/packed-library';

const run = promisify(execFile);
const root = join(__dirname, '../../..');

describe('the packed tarball', () => {
  const { tarball, files } = packedLibrary();
  const unpacked = mkdtempSync(join(tmpdir(), 'lockwarden-unpacked-'));
  beforeAll(() => run('tar', ['-xzf', tarball, '-C', unpacked]));
  afterAll(() => rmSync(unpacked, { recursive: true, force: true }));

  it('ships only the build, the licence, the readme and the changelog', () => {
    const outside = files.filter((file) => !file.startsWith('dist/'));
    expect(outside.sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
    const kinds = new Set(
      files
        .filter((f) => f.startsWith('dist/'))
        .map((f) => f.replace(/^.*?((\.d)?\.ts|\.js(\.map)?)$/, '$1')),
    );
    expect([...kinds].sort()).toEqual(['.d.ts', '.js', '.js.map']);
    // The Lua scripts travel inside the JavaScript, never as files read at run time.
    expect(files.filter((file) => file.endsWith('.lua'))).toEqual([]);
    for (const entry of ['index', 'nestjs/index', 'testing/index']) {
      expect(files).toEqual(expect.arrayContaining([`dist/${entry}.js`, `dist/${entry}.d.ts`]));
    }
  });

  it('has source maps that carry their sources (src/ is not shipped)', () => {
    const maps = files.filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBe(files.filter((file) => file.endsWith('.js')).length);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(
        readFileSync(join(unpacked, 'package', map), 'utf8'),
      ) as { sources: string[]; sourcesContent?: Array<string | null> };
      expect({ map, inlined: sourcesContent?.length }).toEqual({ map, inlined: sources.length });
      for (const [i, source] of sources.entries()) {
        const original = readFileSync(
          join(root, 'src', source.replace(/^(\.\.\/)+src\//, '')),
          'utf8',
        );
        expect({ map, source, content: sourcesContent?.[i] }).toEqual({
          map,
          source,
          content: original,
        });
      }
    }
  });

  it('declares the metadata users and registries look for', () => {
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package/package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg).toMatchObject({
      license: 'MIT',
      engines: { node: '>=20.19' },
      repository: { type: 'git' },
      homepage: expect.stringMatching(/^https:\/\//) as string,
      keywords: expect.arrayContaining(['redis', 'nestjs', 'distributed-lock']) as string[],
    });
    expect(readFileSync(join(unpacked, 'package/LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('has types that resolve under node10, node16 (CJS and ESM) and bundler (arethetypeswrong)', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), '--format', 'json', tarball],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      analysis: {
        problems: unknown[];
        entrypoints: Record<
          string,
          { resolutions: Record<string, { resolution?: { fileName: string } }> }
        >;
      };
    };
    expect(report.analysis.problems).toEqual([]);
    const resolved = Object.fromEntries(
      Object.entries(report.analysis.entrypoints).map(([entry, { resolutions }]) => [
        entry,
        Object.fromEntries(
          Object.entries(resolutions).map(([kind, { resolution }]) => [kind, resolution?.fileName]),
        ),
      ]),
    );
    for (const [entry, file] of [
      ['.', 'index.d.ts'],
      ['./nestjs', 'nestjs/index.d.ts'],
      ['./testing', 'testing/index.d.ts'],
    ] as const) {
      const where = `/node_modules/lockwarden/dist/${file}`;
      expect(resolved[entry]).toEqual({
        node10: where,
        'node16-cjs': where,
        'node16-esm': where,
        bundler: where,
      });
    }
  });
});
