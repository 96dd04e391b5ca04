import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const root = join(__dirname, '../..');

/** Run `examples/<file>` as a user would (TypeScript through @swc-node/register); its stdout. */
export async function runExample(file: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['-r', '@swc-node/register', join('examples', file)],
    { cwd: root, env, timeout: 60_000 },
  );
  return stdout;
}
