import { execFile, type ExecFileException } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const fixtures = join(__dirname, '../fixtures');

export interface RunOptions {
  /** Folder to run in, relative to the project. @default the project's root */
  cwd?: string;
  /** Added to the environment. */
  env?: Record<string, string>;
  /** @default 120_000 */
  timeout?: number;
}

/** A temporary project that installed lockwarden's tarball the way a user would. */
export interface ConsumerProject {
  readonly dir: string;
  /**
   * Copies `test/package/fixtures/<name>` (and the shared fixture files) into `<as>/`.
   * @returns the folder's path
   */
  addFixture(name: string, as?: string): string;
  /** Runs a command; rejects with its output when it fails, is killed or does not exit. */
  run(command: string, args: string[], options?: RunOptions): Promise<string>;
  /** Type-checks (and, if the tsconfig says so, compiles) with the project's own TypeScript. */
  tsc(folder: string): Promise<string>;
  /** Runs a program with the project's Node; it must end by itself (no handle left open). */
  node(file: string, options?: RunOptions): Promise<string>;
  remove(): void;
}

function exec(command: string, args: string[], cwd: string, options: RunOptions): Promise<string> {
  const timeout = options.timeout ?? 120_000;
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd,
        env: { ...process.env, ...options.env },
        timeout,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error: ExecFileException | null, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const why = error.killed
          ? `did not exit within ${timeout} ms (a handle left open?)`
          : `failed (${error.code ?? error.signal})`;
        reject(new Error(`${command} ${args.join(' ')} in ${cwd} ${why}\n${stdout}\n${stderr}`));
      },
    );
  });
}

/**
 * Creates a project in a temporary folder and runs `npm install` there once with `dependencies`
 * (npm's own cache makes repeated installs cheap), then checks the result with `npm ls`.
 */
export async function installConsumer(
  name: string,
  dependencies: Record<string, string>,
): Promise<ConsumerProject> {
  const dir = mkdtempSync(join(tmpdir(), `lockwarden-consumer-${name}-`));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${name}`, private: true, dependencies }, null, 2),
  );
  const project: ConsumerProject = {
    dir,
    addFixture(fixture, as = fixture) {
      const target = join(dir, as);
      cpSync(join(fixtures, fixture), target, { recursive: true });
      cpSync(join(fixtures, 'shared'), target, { recursive: true });
      return target;
    },
    run: (command, args, options = {}) =>
      exec(command, args, resolve(dir, options.cwd ?? '.'), options),
    tsc: (folder) =>
      project.run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', folder]),
    node: (file, options = {}) =>
      project.run(process.execPath, [file], { timeout: 60_000, ...options }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  try {
    await project.run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      timeout: 600_000,
    });
    // npm warns and carries on where `npm ls` reports a missing or invalid dependency or peer.
    await project.run('npm', ['ls', '--all']);
  } catch (error) {
    project.remove();
    throw error;
  }
  return project;
}
