import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { LockEngine, RedisLockStore } from '../../../src';
import { storeKeyOf } from '../../../src/engine/store-key';
import { queueKeyOf } from '../../../src/stores/redis-lock-store';
import { waitUntil } from '../../support/wait-until';
import { redisNamesOf } from '../../support/store-names';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { freePort } from '../../support/redis/free-port';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';

/** Keys that have broken hash tags or merged with each other, and ordinary ones. */
const CORPUS = [
  'orders:42',
  '}x',
  '}',
  '}}',
  '}{',
  '{',
  '{}',
  '{x}',
  '{}x',
  'x}',
  'a}b',
  'a{b}c',
  '\u0000',
  '\u0000}x',
  '\u0000\u0000',
  '\u0000\u0000}x',
  'nul\u0000inside',
  'line\nbreak\r\ttab',
  '\u0001\u001f\u007f',
  'é',
  '😀',
  '}😀',
  '\u0000😀',
  'k'.repeat(1_024),
  `}${'é'.repeat(511)}`,
];

const namesOf = (key: string): string[] => redisNamesOf('lw', key);

describeWithRedis('odd keys on a Redis Cluster node (real redis-server)', () => {
  const configFile = join(tmpdir(), `lockwarden-cluster-${process.pid}-${Date.now()}.conf`);
  let node: RedisServer;
  let raw: Redis;

  beforeAll(async () => {
    // The cluster bus gets its own free port (the default, port + 10 000, may be taken or
    // too high), and the node announces its loopback address so clients can follow it.
    node = await startRedis([
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      configFile,
      '--cluster-port',
      String(await freePort()),
      '--cluster-announce-ip',
      '127.0.0.1',
    ]);
    raw = node.client();
  });
  afterAll(async () => {
    await node.stop();
    await rm(configFile, { force: true });
  });

  it('puts every name of each key in one hash slot (CLUSTER KEYSLOT)', async () => {
    for (const key of CORPUS) {
      const slots = await Promise.all(namesOf(key).map((name) => raw.cluster('KEYSLOT', name)));
      expect({ key, slots: new Set(slots).size }).toEqual({ key, slots: 1 });
    }
  });

  it('never gives two keys a common name, in any role', () => {
    const names = CORPUS.flatMap(namesOf);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(CORPUS).size).toBe(CORPUS.length);
  });

  it('locks, queues and releases every key through an ioredis Cluster client', async () => {
    // Give this single node every slot: a working one-node cluster, CROSSSLOT rules included.
    await raw.cluster('ADDSLOTSRANGE', 0, 16_383);
    await waitUntil(
      'the cluster state to be ok',
      async () => (await raw.cluster('INFO')).includes('cluster_state:ok'),
      10_000,
    );
    const clients = [0, 1].map(
      () => new Cluster([{ host: '127.0.0.1', port: node.port }], { lazyConnect: false }),
    );
    const [holder, waiter] = clients.map(
      (client) => new LockEngine({ store: new RedisLockStore(client) }),
    ) as [LockEngine, LockEngine];
    try {
      for (const key of CORPUS) {
        const lock = await holder.acquire(key, { ttl: 10_000 });
        expect(await raw.exists(storeKeyOf('lw', key))).toBe(1);
        // A fair waiter queues (queue keys, release channel) and gets it at the release.
        const next = waiter.acquire(key, { fair: true, waitTimeout: 10_000 });
        await waitUntil(
          'the waiter to queue',
          async () => (await raw.exists(queueKeyOf(storeKeyOf('lw', key)))) === 1,
        );
        expect(await holder.inspect(key)).toMatchObject({ holds: 1 });
        await lock.release();
        const taken = await next;
        expect(taken.fence).toBeGreaterThan(lock.fence);
        await taken.extend(5_000);
        expect(await taken.release()).toBe(true);
        expect(await holder.isLocked(key)).toBe(false);
      }
    } finally {
      await holder.close();
      await waiter.close();
      for (const client of clients) client.disconnect();
    }
  });
});
