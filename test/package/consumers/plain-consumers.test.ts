import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLockStore } from '../../../src';
import { lockStoreContract } from '../../../src/testing';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';
import { runBundled } from '../support/bundle';
import { installConsumer, type ConsumerProject } from '../support/consumer-project';
import { expectNestAppRan, expectOneCron, NEST_LAZY_PACKAGES } from '../support/nest-app';
import { packedLibrary } from '../support/packed-library';

const examples = join(__dirname, '../../../examples');

/**
 * What the README's quick starts print (examples/quick-start.ts, examples/nestjs-quick-start.ts).
 * The NestJS one's every-minute job also prints its line when the run spans the start of a minute.
 */
const QUICK_START_OUTPUT = {
  'quick-start':
    /^shipped 42 holding orders:42 with fence \d{16}\nwithLock ran with fence \d{16}; locked now: false\n$/,
  'nestjs-quick-start':
    /^(charged INV-7 holding invoice:INV-7\n(sweeping on this replica only\n)?|sweeping on this replica only\ncharged INV-7 holding invoice:INV-7\n)$/,
};

const LOCK_REPORT = {
  fence: expect.any(Number) as number,
  lockedWhileHeld: true,
  holds: 1,
  released: true,
  lockedAfter: false,
};

describeWithRedis(
  'lockwarden installed from its tarball (TypeScript 5.9, ioredis 6, Nest 12)',
  () => {
    let server: RedisServer;
    let project: ConsumerProject;
    let env: Record<string, string>;

    beforeAll(async () => {
      [server, project] = await Promise.all([
        startRedis(),
        installConsumer('main', {
          lockwarden: `file:${packedLibrary().tarball}`,
          ioredis: '^6',
          typescript: '~5.9',
          '@types/node': '^20',
          '@nestjs/common': '^12',
          '@nestjs/core': '^12',
          '@nestjs/schedule': '^12',
          'reflect-metadata': '^0.2',
          rxjs: '^7',
        }),
      ]);
      env = { REDIS_URL: server.url };
    }, 600_000);
    afterAll(async () => {
      project?.remove();
      await server?.stop();
    });

    /** Raw Redis state after a program took and released `consumer:{<key>}`. */
    async function leftBehind(key: string): Promise<string[]> {
      return (await server.client().keys(`consumer:{${key}}*`)).sort();
    }

    it('CommonJS with the classic NestJS tsconfig (module commonjs, so node10 resolution)', async () => {
      project.addFixture('cjs');
      await project.tsc('cjs');
      const output = JSON.parse(await project.node('cjs/out/main.js', { env })) as {
        report: unknown;
        contract: unknown;
      };
      expect(output.report).toEqual(LOCK_REPORT);
      // lockwarden/testing ran every case of its contract against the packed store.
      const expected = lockStoreContract(() => ({ store: new MemoryLockStore() })).length;
      expect(output.contract).toEqual({ passed: expected, failed: [] });
      expect(await leftBehind('cjs')).toEqual(['consumer:{cjs}:fence']);
    });

    it('ESM under NodeNext (named imports from the CommonJS build, skipLibCheck off)', async () => {
      project.addFixture('esm');
      await project.tsc('esm');
      const output = JSON.parse(await project.node('esm/out/main.js', { env })) as unknown;
      expect(output).toMatchObject({ report: LOCK_REPORT, errorBase: 'LockError' });
      expect(await leftBehind('esm')).toEqual(['consumer:{esm}:fence']);
    });

    it('bundled with esbuild after a moduleResolution bundler type-check, run without node_modules', async () => {
      project.addFixture('bundler');
      await project.tsc('bundler');
      const output = JSON.parse(await runBundled(project, 'bundler/main.ts', env)) as unknown;
      expect(output).toEqual({ report: LOCK_REPORT, memoryFence: true });
      expect(await leftBehind('bundler')).toEqual(['consumer:{bundler}:fence']);
    });

    // The README's quick starts as a user pastes them: copied verbatim from examples/, compiled by
    // the project's own TypeScript, run with its Node; each must print its result and exit.
    it.each([
      ['CommonJS, legacy decorators', 'quick-start-cjs', ['quick-start', 'nestjs-quick-start']],
      ['ESM under NodeNext, TC39 standard decorators', 'quick-start-esm', ['quick-start']],
      [
        'ESM under NodeNext, NestJS (legacy decorators)',
        'nest-quick-start-esm',
        ['nestjs-quick-start'],
      ],
    ] as const)('the README quick starts run as written: %s', async (_kind, fixture, programs) => {
      const folder = project.addFixture(fixture);
      for (const program of programs) {
        cpSync(join(examples, `${program}.ts`), join(folder, `${program}.ts`));
      }
      await project.tsc(fixture);
      for (const program of programs) {
        const stdout = await project.node(`${fixture}/out/${program}.js`, { env });
        expect(stdout).toMatch(QUICK_START_OUTPUT[program]);
      }
      // Nothing left held: only the fence memos outlive the locks.
      expect(await server.client().keys('lw:{*}')).toEqual([]);
    });

    it('a NestJS app bundled with esbuild starts, takes locks, runs a single-instance cron tick and exits', async () => {
      await expectOneCron(project);
      project.addFixture('nest-app');
      await project.tsc('nest-app');
      const stdout = await runBundled(project, 'nest-app/out/main.js', env, NEST_LAZY_PACKAGES);
      await expectNestAppRan(stdout, server.client());
    });
  },
);
