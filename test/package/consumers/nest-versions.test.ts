import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';
import { installConsumer, type ConsumerProject } from '../support/consumer-project';
import { expectNestAppRan, expectOneCron } from '../support/nest-app';
import { packedLibrary } from '../support/packed-library';

// Every Nest and @nestjs/schedule major that the peer ranges in package.json admit, besides
// Nest 12 + schedule 12 (plain-consumers.test.ts, and the repository's own suites). Each row is
// one install; @nestjs/schedule brings the `cron` it pins (3.5.0 for 5, 4.x for 6 and 12).
const MATRIX = [
  { name: 'nest11-schedule5', nest: '^11', schedule: '^5', ioredis: '^5' },
  { name: 'nest11-schedule6', nest: '^11', schedule: '^6', ioredis: '^5' },
];

describeWithRedis('the NestJS app on other supported Nest versions', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server.stop());

  describe.each(MATRIX)('$name', ({ name, nest, schedule, ioredis }) => {
    let project: ConsumerProject;
    beforeAll(async () => {
      project = await installConsumer(name, {
        lockwarden: `file:${packedLibrary().tarball}`,
        ioredis,
        typescript: '~5.9',
        '@types/node': '^20',
        '@nestjs/common': nest,
        '@nestjs/core': nest,
        '@nestjs/schedule': schedule,
        'reflect-metadata': '^0.2',
        rxjs: '^7',
      });
    }, 600_000);
    afterAll(() => project?.remove());

    it('type-checks, starts, takes locks, runs a single-instance cron tick and exits', async () => {
      await expectOneCron(project);
      await server.client().flushall();
      project.addFixture('nest-app');
      await project.tsc('nest-app');
      const stdout = await project.node('nest-app/out/main.js', {
        env: { REDIS_URL: server.url },
      });
      await expectNestAppRan(stdout, server.client());
    });
  });
});
