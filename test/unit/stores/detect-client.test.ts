import RedisMock from 'ioredis-mock';
import { createClient, createCluster } from 'redis';
import { LockConfigError, RedisLockStore, type RedisClient } from '../../../src';
import { isRedisClient } from '../../../src/stores/clients/detect-client';

describe('new RedisLockStore(client) recognises the client by its shape', () => {
  it('asks for a connected node-redis client (the store never opens the user connection)', () => {
    for (const client of [
      createClient({ socket: { port: 1 } }),
      createCluster({ rootNodes: [{ socket: { port: 1 } }] }),
    ]) {
      expect(() => new RedisLockStore(client as unknown as RedisClient)).toThrow(
        new LockConfigError(
          'new RedisLockStore(): the node-redis client is not connected. Call `await client.connect()` before passing it (lockwarden never opens or closes your connection).',
        ),
      );
    }
  });

  it('accepts ioredis (and its mock), node-redis and GLIDE shapes, nothing else', () => {
    const glide = { invokeScript: () => 0, customCommand: () => 0, close: () => 0 };
    expect(isRedisClient(new RedisMock())).toBe(true);
    expect(isRedisClient(createClient())).toBe(true);
    expect(isRedisClient(glide)).toBe(true);
    for (const other of [null, {}, 'redis://localhost', { ...glide, close: undefined }]) {
      expect(isRedisClient(other)).toBe(false);
    }
  });
});
