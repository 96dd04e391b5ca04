import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '../../..');
const ENV = 'LOCKWARDEN_PACKED';

/** The tarball `npm pack` made of this repository, as users would download it. */
export interface PackedLibrary {
  /** Absolute path of the .tgz file. */
  tarball: string;
  /** Paths inside the package (`dist/index.js`, `LICENSE`, ...), as npm reports them. */
  files: string[];
}

/**
 * Runs `npm pack` (whose `prepack` builds dist/) into a temporary folder and shares the result
 * with the test files through the environment: Jest's global setup runs before the workers start.
 */
export async function packLibrary(): Promise<void> {
  const destination = mkdtempSync(join(tmpdir(), 'lockwarden-pack-'));
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--json', '--pack-destination', destination],
    { cwd: root, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const [report] = JSON.parse(stdout) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  if (!report) throw new Error(`npm pack reported nothing: ${stdout}`);
  const packed: PackedLibrary = {
    tarball: join(destination, report.filename),
    files: report.files.map((file) => file.path),
  };
  process.env[ENV] = JSON.stringify(packed);
}

/** The tarball made by {@link packLibrary}. */
export function packedLibrary(): PackedLibrary {
  const packed = process.env[ENV];
  if (!packed) {
    throw new Error('No packed library: run these tests with `npm run test:package`.');
  }
  return JSON.parse(packed) as PackedLibrary;
}

/** Removes the tarball's temporary folder. */
export function removePackedLibrary(): void {
  const packed = process.env[ENV];
  if (packed)
    rmSync(dirname((JSON.parse(packed) as PackedLibrary).tarball), {
      recursive: true,
      force: true,
    });
}
