import { existsSync } from 'node:fs';
import { processAlive } from '../../support/process-alive';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { infoFields } from '../../support/redis/info-fields';
import { startRedisSentinel, type RedisSentinel } from '../../support/redis/redis-sentinel';
import { waitUntil } from '../../support/wait-until';

describeWithLocalRedis('startRedisSentinel (primary, replica, 3 sentinels)', () => {
  let setup: RedisSentinel;

  beforeAll(async () => {
    const startedAt = Date.now();
    setup = await startRedisSentinel();
    console.log(`startRedisSentinel: ready in ${Date.now() - startedAt} ms`);
  }, 60_000);

  it('runs a primary and its replica, watched by 3 sentinels that know each other', async () => {
    const [primary, replica] = setup.servers;
    expect(await setup.primary()).toBe(primary);
    expect(((await replica.client().role()) as [string, string, number]).slice(0, 3)).toEqual([
      'slave',
      '127.0.0.1',
      primary.port,
    ]);
    for (const sentinel of setup.sentinels) {
      const client = primary.client({ port: sentinel.port });
      expect(await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', setup.masterName)).toEqual([
        '127.0.0.1',
        String(primary.port),
      ]);
      expect(await client.call('SENTINEL', 'SENTINELS', setup.masterName)).toHaveLength(2);
    }
  });

  it('failover(): the replica is promoted and an ioredis sentinel client follows it', async () => {
    const client = setup.client();
    expect(await client.set('before', 'failover')).toBe('OK');
    const servedBy = async (): Promise<number> =>
      Number(infoFields(await client.info('server')).get('tcp_port'));
    const [first] = setup.servers;
    expect(await servedBy()).toBe(first.port);

    const startedAt = Date.now();
    const { from, to } = await setup.failover();
    console.log(
      `startRedisSentinel: failover ${from.port} → ${to.port} in ${Date.now() - startedAt} ms`,
    );

    expect(from).toBe(first);
    expect(await setup.primary()).toBe(to);
    expect(((await to.client().role()) as string[])[0]).toBe('master');
    // The client was disconnected by the switch, asked the sentinels, and now writes to `to`.
    await waitUntil(
      'the sentinel client to write to the new primary',
      async () =>
        (await servedBy().catch(() => 0)) === to.port &&
        (await client.set('after', 'failover').then(
          () => true,
          () => false,
        )),
      15_000,
      50,
    );
    expect(await to.client().get('after')).toBe('failover');
    expect(await client.get('before')).toBe('failover');
  }, 60_000);

  it("stop() kills the servers and sentinels by PID and removes the sentinels' directories", async () => {
    const pids = [...setup.servers, ...setup.sentinels].map((server) => server.pid!);
    expect(pids).toHaveLength(5);
    expect(setup.dirs.filter((dir) => existsSync(dir))).toHaveLength(3);
    await setup.stop();
    expect(pids.filter(processAlive)).toEqual([]);
    expect(setup.dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
