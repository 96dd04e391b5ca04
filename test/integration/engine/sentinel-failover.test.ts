import { LockLostError } from '../../../src';
import { LockService } from '../../../src/nestjs';
import { sentinel, sentinelModule } from '../../../examples/topologies';
import { defer } from '../../support/cleanup';
import { startApp } from '../../support/nest/test-app';
import { useUnhandledRejections } from '../../support/unhandled-rejections';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { startRedisSentinel } from '../../support/redis/redis-sentinel';
import { waitUntil } from '../../support/wait-until';

describeWithLocalRedis(
  'LockEngine on Sentinel across SENTINEL FAILOVER (primary, replica, 3 sentinels)',
  () => {
    const unhandled = useUnhandledRejections();

    it('keeps a replicated lock renewed on the new primary, reports a lock whose write was lost, and takes new locks there', async () => {
      const setup = await startRedisSentinel();
      const [first, second] = setup.servers;
      const { engine, clients, close } = sentinel([...setup.sentinelAddresses], setup.masterName);
      defer(close);
      const extended: string[] = [];
      engine.on('extended', (event) => extended.push(event.key));

      // Renewed every second; the switch takes about as long.
      const kept = await engine.acquire('sentinel:kept', { ttl: 3_000 });
      const dropped = await engine.acquire('sentinel:dropped', { ttl: 3_000 });
      expect(await first.client().wait(1, 5_000)).toBe(1);
      // What asynchronous replication can do: the replica lacks a write the primary acknowledged.
      // (A writable replica keeps a local change; the primary's later renewals of the key are
      // no-ops there, so the replica that takes over has no such lock.)
      const replica = second.client();
      await replica.config('SET', 'replica-read-only', 'no');
      await replica.del('lw:{sentinel:dropped}');

      const { from, to } = await setup.failover();
      expect([from, to]).toEqual([first, second]);
      // The client follows the switch: from its next command on, everything goes to the new
      // primary (a renewal sent earlier has been answered, or is resent there, before this one).
      await waitUntil(
        'the sentinel client to be served by the new primary',
        async () => {
          const info = await clients[0]!.info('server').catch(() => '');
          return /^tcp_port:(\d+)/m.exec(info)?.[1] === String(to.port);
        },
        15_000,
        50,
      );
      await new Promise((resolve) => setImmediate(resolve));
      extended.length = 0;

      // The kept lock, sampled until it has been renewed 4 times (longer than its ttl, so the
      // renewals must have reached the new primary, where the key would otherwise expire): read
      // the new primary first, then ask the lock. A lock is never held again once lost, so "held"
      // now means it was held when the key was read.
      const promoted = to.client();
      await waitUntil(
        'the kept lock to be renewed 4 times on the new primary (or lost)',
        async () => {
          const [owner, fence] = await promoted.hmget('lw:{sentinel:kept}', 'o', 'f');
          if (kept.held) expect([owner, Number(fence)]).toEqual([kept.token, kept.fence]);
          return extended.filter((key) => key === 'sentinel:kept').length >= 4 || !kept.held;
        },
        15_000,
        50,
      );
      expect(kept.held).toBe(true);
      expect(await promoted.hget('lw:{sentinel:kept}', 'o')).toBe(kept.token);
      // Released now, before the steps below: its 3 s ttl has 2 s of slack between renewals, and
      // booting a Nest app in a busy Jest worker can hold the event loop for about that long.
      expect(await kept.release()).toBe(true);

      // The lock whose write was lost: its first renewal on the new primary finds no such lock,
      // so it is reported lost through its signal, never extended.
      expect(dropped.signal.aborted).toBe(true);
      expect(dropped.held).toBe(false);
      expect(dropped.signal.reason).toBeInstanceOf(LockLostError);
      expect(extended).not.toContain('sentinel:dropped');

      // New locks go to the new primary, through the engine and through LockModule.
      const fresh = await engine.acquire('sentinel:fresh', { ttl: 10_000 });
      expect(await promoted.hget('lw:{sentinel:fresh}', 'o')).toBe(fresh.token);
      const again = await engine.acquire('sentinel:dropped', { ttl: 10_000 });
      expect(await promoted.hget('lw:{sentinel:dropped}', 'o')).toBe(again.token);
      const app = await startApp({
        imports: [sentinelModule([...setup.sentinelAddresses], setup.masterName)],
      });
      const onNewPrimary = await app
        .get<LockService>(LockService)
        .withLock('sentinel:module', async (lock) =>
          promoted.hget('lw:{sentinel:module}', 'o').then((owner) => owner === lock.token),
        );
      expect(onNewPrimary).toBe(true);
      await app.close();

      for (const lock of [fresh, again]) expect(await lock.release()).toBe(true);
      expect(unhandled).toEqual([]);
    }, 90_000);
  },
);
