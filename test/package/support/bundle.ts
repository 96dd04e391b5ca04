import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { ConsumerProject } from './consumer-project';

/**
 * Bundles `entry` (a path in the project) with esbuild into one CommonJS file, copies it to an
 * empty folder and runs it there: no node_modules and no .lua file anywhere near.
 */
export async function runBundled(
  project: ConsumerProject,
  entry: string,
  env: Record<string, string>,
  externals: string[] = [],
): Promise<string> {
  const outfile = join(project.dir, 'bundles', `${entry.replace(/\W/g, '-')}.js`);
  await build({
    entryPoints: [join(project.dir, entry)],
    absWorkingDir: project.dir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: externals,
    logLevel: 'silent',
  });
  const alone = mkdtempSync(join(tmpdir(), 'lockwarden-bundle-'));
  try {
    cpSync(outfile, join(alone, 'app.js'));
    return await project.node('app.js', { cwd: alone, env });
  } finally {
    rmSync(alone, { recursive: true, force: true });
  }
}
