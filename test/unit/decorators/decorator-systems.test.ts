import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Compiles the fixtures in test/fixtures/decorators with the real `tsc`, once with
// experimentalDecorators (legacy, as NestJS uses) and once without (TC39 standard decorators),
// and runs the output with node. Both run the same classes (shared/scenario.ts).

const run = promisify(execFile);
const root = join(__dirname, '../../..');
const tsc = join(root, 'node_modules/.bin/tsc');
const fixtures = join(root, 'test/fixtures/decorators');

let outDir: string;

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'lockwarden-decorators-'));
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

/** Compile `test/fixtures/decorators/<system>` with tsc and run its main.js; its JSON output. */
async function compileAndRun(system: 'legacy' | 'tc39'): Promise<Record<string, unknown>> {
  const out = join(outDir, system);
  // tsc fails on any type error, including an unmet @ts-expect-error in tc39/locked.types.ts.
  await run(tsc, ['-p', join(fixtures, system, 'tsconfig.json'), '--outDir', out], {
    cwd: root,
    timeout: 120_000,
  });
  const emitted = readFileSync(join(out, 'test/fixtures/decorators/shared/scenario.js'), 'utf8');
  // Proof of which decorator system tsc emitted: TC39 helpers, or the legacy __decorate.
  expect(emitted.includes('__esDecorate(')).toBe(system === 'tc39');
  expect(emitted.includes('__decorate(')).toBe(system === 'legacy');
  const { stdout } = await run(
    process.execPath,
    [join(out, `test/fixtures/decorators/${system}/main.js`)],
    // The output lives outside the repository; let it find reflect-metadata.
    { cwd: root, env: { ...process.env, NODE_PATH: join(root, 'node_modules') }, timeout: 60_000 },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** What both systems must agree on. */
const common = {
  noEngine:
    'LockConfigError: @Locked on Accounts.audit: no lock engine is configured. Call configureLocks(new LockEngine({ store })) at start-up, or import LockModule.forRoot(...) in NestJS.',
  defaultKey: 'Accounts.audit',
  staticKey: 'Accounts.nightly',
  subclassKey: 'Accounts.audit',
  functionKey: 'account:a:1:5',
  thisKept: ['a:1:5'],
  templateKey: 'invoice:a%3Ab%7Bc%7D%25',
  nameAndLength: ['credit', 2],
  reentrant: [3, 1],
  skipped: true,
  errorPassesThrough: true,
  heldAfter: 0,
  callTimeKeyError:
    'LockKeyError: @Locked on Accounts.send: key template "invoice:{0.id}" needs a string, a finite number, a bigint or a boolean at {0.id}, got undefined.',
  metadata: ['outer', 'inner'],
};

const fnLengthRule =
  'key template "doc:{1}" uses argument 1, but the method takes 1 parameter by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.';

// Each case runs tsc and a child process: seconds alone, much longer on a loaded machine.
const COMPILE_TIMEOUT = 180_000;

describe('@Locked compiled by tsc in both decorator systems', () => {
  it(
    'legacy experimentalDecorators',
    async () => {
      expect(await compileAndRun('legacy')).toEqual({
        ...common,
        definitionError: `LockConfigError: @Locked on Broken.read: ${fnLengthRule}`,
        badOption:
          'LockConfigError: @Locked on Broken.read: option "ttl" must be a positive integer number of milliseconds, got -1.',
      });
    },
    COMPILE_TIMEOUT,
  );

  it(
    'TC39 standard decorators',
    async () => {
      expect(await compileAndRun('tc39')).toEqual({
        ...common,
        // A TC39 method decorator is not told its class: definition-time errors name the method.
        definitionError: `LockConfigError: @Locked on method read: ${fnLengthRule}`,
        badOption:
          'LockConfigError: @Locked on method read: option "ttl" must be a positive integer number of milliseconds, got -1.',
        privateKey: 'Vault.#unlock',
        unboundStaticKey: 'Reports.daily',
        getterError:
          'LockConfigError: @Locked on total: @Locked can only decorate methods, not a getter.',
      });
    },
    COMPILE_TIMEOUT,
  );
});
