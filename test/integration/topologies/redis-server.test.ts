import { existsSync } from 'node:fs';
import { infoFields } from '../../support/redis/info-fields';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { startLocalRedis } from '../../support/redis/redis-server';
import { waitUntil } from '../../support/wait-until';

describeWithLocalRedis('startLocalRedis (one server, its own directory)', () => {
  it("starts empty even after a replica's full sync wrote an RDB file, and removes its directory", async () => {
    const primary = await startLocalRedis();
    await primary.client().set('from-the-primary', 'x');
    const replica = await startLocalRedis({
      args: ['--replicaof', '127.0.0.1', String(primary.port)],
    });
    await waitUntil('the replica to sync', async () => {
      const info = infoFields(await replica.client().info('replication'));
      return info.get('master_link_status') === 'up';
    });
    expect(await replica.client().get('from-the-primary')).toBe('x');

    const fresh = await startLocalRedis();
    expect(await fresh.client().dbsize()).toBe(0);
    expect(new Set([primary.dir, replica.dir, fresh.dir]).size).toBe(3);

    await replica.stop();
    expect(existsSync(replica.dir!)).toBe(false);
  });
});
