import diagnostics_channel from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import {
  diagnosticsChannels,
  LockEngine,
  LockStoreError,
  RedisLockStore,
  type LockEngineEvents,
  type LockStore,
} from '../../../src';
import { waitUntil } from '../../support/wait-until';
import { storeOver } from '../../support/scripted-store';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';

/** Every path (through own properties, enumerable or not, and getters) to a string holding a secret. */
function pathsToSecrets(root: unknown, secrets: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      for (const secret of secrets) if (value.includes(secret)) found.push(path);
      return;
    }
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
    if (seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map || value instanceof Set) {
      [...value.entries()].forEach((entry, i) => walk(entry, `${path}<entry ${i}>`));
    }
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      let inner: unknown;
      try {
        inner =
          descriptor && 'value' in descriptor ? descriptor.value : descriptor?.get?.call(value);
      } catch {
        continue;
      }
      walk(inner, `${path}.${String(key)}`);
    }
  };
  walk(root, '$');
  // And whatever Node would print for it, hidden properties included.
  const printed = inspect(root, { showHidden: true, depth: null, getters: true });
  for (const secret of secrets) if (printed.includes(secret)) found.push('inspect($)');
  return found;
}

/** Records every owner token the engine hands to the store. */
function recordingTokens(inner: LockStore, tokens: Set<string>): LockStore {
  return storeOver(inner, {
    acquire: (key, owner, ...rest) => (tokens.add(owner), inner.acquire(key, owner, ...rest)),
    renew: (key, owner, ttl) => (tokens.add(owner), inner.renew(key, owner, ttl)),
    renewMany: (requests) => {
      for (const r of requests) tokens.add(r.owner);
      return inner.renewMany!(requests);
    },
    release: (key, owner) => (tokens.add(owner), inner.release(key, owner)),
    dequeue: (key, owner) => (tokens.add(owner), inner.dequeue!(key, owner)),
    onRelease: (key, listener) => inner.onRelease!(key, listener),
    checkConfiguration: () => inner.checkConfiguration!(),
    // The engine closes what the store opened (its subscriber connection).
    close: () => inner.close!(),
  });
}

describeWithRedis(
  'the owner token never leaves lockwarden, through faults (real redis-server)',
  () => {
    let server: RedisServer;
    let raw: Redis;

    beforeEach(async () => {
      server = await startRedis();
      raw = server.client();
    });
    afterEach(async () => {
      await server.stop();
    });

    it('RedisLockStore rejects with errors that carry no token, nor the command arguments', async () => {
      const store = new RedisLockStore(server.client());
      const owner = 'the-owner-token-0123456789';
      await raw.set('wrongtype', 'a string, not a hash');
      await raw.set('wrongtype:q', 'a string, not a sorted set');
      const failures = await Promise.all([
        store.acquire('wrongtype', owner, 1_000).catch((e: unknown) => e),
        store.renew('wrongtype', owner, 1_000).catch((e: unknown) => e),
        store.renewMany([{ key: 'wrongtype', owner, ttl: 1_000 }]),
        store.release('wrongtype', owner).catch((e: unknown) => e),
        store.dequeue('wrongtype', owner).catch((e: unknown) => e),
      ]);
      const errors = failures.flat();
      expect(errors.every((e) => e instanceof Error && /WRONGTYPE/.test(e.message))).toBe(true);
      // ioredis did attach the command (its name is kept), but not its arguments.
      // (EVAL after NOSCRIPT, then EVALSHA: the EVAL carries the script and the token.)
      for (const error of errors) {
        const command = (error as { command: { name: string } }).command;
        expect(['eval', 'evalsha']).toContain(command.name);
        expect(Object.keys(command)).toEqual(['name']);
      }
      expect(pathsToSecrets(errors, new Set([owner]))).toEqual([]);
      await store.close();
    });

    it('errors, events, diagnostics messages and log lines of a fault run hold no token', async () => {
      const tokens = new Set<string>();
      const handedOut: unknown[] = [];
      const logger = {
        warn: (...args: unknown[]) => void handedOut.push(args),
        error: (...args: unknown[]) => void handedOut.push(args),
      };
      const client = server.client({ maxRetriesPerRequest: 1 });
      const engine = new LockEngine({
        store: recordingTokens(new RedisLockStore(client), tokens),
        logger,
        storeTimeout: 400,
      });
      const names = Object.keys(diagnosticsChannels) as Array<keyof LockEngineEvents>;
      const record = (message: unknown): void => void handedOut.push(message);
      for (const name of names) {
        engine.on(name, record);
        diagnostics_channel.subscribe(`lockwarden:${name}`, record);
      }
      const attempt = async (call: () => Promise<unknown>): Promise<unknown> => {
        try {
          return await call();
        } catch (error) {
          handedOut.push(error);
          return error;
        }
      };

      try {
        // WRONGTYPE on acquire, and on every call for a lock whose key was replaced.
        await raw.set('lw:{wrongtype}', 'x');
        await attempt(() => engine.acquire('wrongtype'));
        const lock = await engine.acquire('replaced', { ttl: 600 });
        await raw.del('lw:{replaced}');
        await raw.set('lw:{replaced}', 'x');
        await attempt(() => lock.extend(5_000));
        await waitUntil('a failed scheduled renewal', () =>
          handedOut.some((m) => (m as { operation?: string }).operation === 'renew'),
        );
        await attempt(() => lock.release());

        // Out of memory: scripts that may write are refused.
        await raw.config('SET', 'maxmemory', '1');
        await attempt(() => engine.acquire('oom'));
        await attempt(() => engine.withLock('oom:2', () => 'never'));
        await raw.config('SET', 'maxmemory', '0');

        // Scripts flushed: ioredis reloads them (nothing may surface, but nothing may leak).
        await raw.script('FLUSH');
        const afterFlush = await engine.acquire('flushed', { ttl: 5_000 });

        // A fair waiter and a plain one waiting while Redis stops answering (paused), then is
        // killed with their commands in flight.
        const fairHolder = await engine.acquire('queue', { ttl: 60_000 });
        const fair = attempt(() => engine.acquire('queue', { fair: true, waitTimeout: 3_000 }));
        const plain = attempt(() => engine.acquire('queue', { waitTimeout: 3_000 }));
        await sleep(50);
        await raw.client('PAUSE', 1_000, 'ALL');
        await attempt(() => engine.tryAcquire('paused'));
        await attempt(() => afterFlush.extend(5_000));
        process.kill(server.pid!, 'SIGSTOP');
        await attempt(() => engine.inspect('stopped'));
        await attempt(() => engine.forceRelease('stopped'));
        await attempt(() => engine.claim('stopped', { ttl: 1_000 }));
        await server.kill('SIGKILL');
        await attempt(() => engine.acquire('down'));
        await attempt(() => fairHolder.release());
        await Promise.all([fair, plain]);
        // Renewals keep failing while Redis is away; the held locks are lost.
        await waitUntil('the held lock to be lost', () => !afterFlush.held, 10_000);
        await server.restart();
        await attempt(() => afterFlush.release());
        await attempt(() => engine.withLock('back', () => 'ok'));
      } finally {
        await engine.close();
        for (const name of names) diagnostics_channel.unsubscribe(`lockwarden:${name}`, record);
      }

      const storeErrors = handedOut.filter((m) => m instanceof LockStoreError);
      const kinds = new Set(storeErrors.map((e) => String((e as Error).message).split(':')[0]));
      // The run did hit the faults it meant to (not a vacuous pass).
      expect(storeErrors.length).toBeGreaterThanOrEqual(8);
      expect(storeErrors.some((e) => /WRONGTYPE/.test((e as Error).message))).toBe(true);
      expect(storeErrors.some((e) => /OOM/.test((e as Error).message))).toBe(true);
      expect(storeErrors.some((e) => /storeTimeout/.test((e as Error).message))).toBe(true);
      expect(kinds.size).toBeGreaterThan(0);
      expect(tokens.size).toBeGreaterThanOrEqual(8);
      expect(pathsToSecrets(handedOut, tokens)).toEqual([]);
    });
  },
);
