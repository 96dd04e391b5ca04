/**
 * The floor: the least a correct single-instance Redis lock can do, written by hand with
 * ioredis. Acquire = `SET key token NX PX ttl`, retried every 10 ms (± 50 % jitter) for up to
 * 10 s; release = a Lua compare-and-delete. Renewal (only when asked) = a Lua compare-and-
 * PEXPIRE on a timer per lock, every ttl / 3. Every target of issue 9 is a ratio to this row.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { ioredisKind } from '../clients/ioredis';
import { renewEvery, type ContenderDefinition } from '../contender';

const RETRY_DELAY_MS = 10;
const WAIT_MS = 10_000;

// KEYS[1] lock key; ARGV[1] owner token. Returns 1 if deleted.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
// KEYS[1] lock key; ARGV[1] owner token, ARGV[2] ttl ms. Returns 1 if renewed.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

interface FloorClient extends Redis {
  floorRelease(key: string, token: string): Promise<number>;
  floorRenew(key: string, token: string, ttl: number): Promise<number>;
}

/** `acquireDelayMs` > 0 makes the deliberately slowed twin of the sanity checks. */
function floorOf(acquireDelayMs: number): ContenderDefinition<Redis>['create'] {
  return async (context) => {
    const client = (await context.connect()) as FloorClient;
    client.defineCommand('floorRelease', { numberOfKeys: 1, lua: RELEASE });
    client.defineCommand('floorRenew', { numberOfKeys: 1, lua: RENEW });
    return {
      async acquire(key, { ttl, autoExtend }) {
        if (acquireDelayMs > 0) await sleep(acquireDelayMs);
        const token = randomBytes(16).toString('hex');
        const giveUpAt = Date.now() + WAIT_MS;
        while ((await client.set(key, token, 'PX', ttl, 'NX')) !== 'OK') {
          if (Date.now() > giveUpAt)
            throw new Error(`floor: ${key} still busy after ${WAIT_MS} ms`);
          await sleep(RETRY_DELAY_MS * (0.5 + Math.random()));
        }
        const stop = autoExtend ? renewEvery(ttl, () => client.floorRenew(key, token, ttl)) : null;
        return {
          async release() {
            stop?.();
            await client.floorRelease(key, token);
          },
        };
      },
      storageKey: (key) => key,
      close: () => context.disconnect(client),
    };
  };
}

export const floor: ContenderDefinition<Redis> = {
  id: 'floor',
  label: 'floor (SET NX PX + Lua)',
  group: 'floor',
  clientKind: ioredisKind,
  packages: ['ioredis'],
  create: floorOf(0),
};

/** Sanity check: the floor with a 1 ms sleep before each acquire must show up in every ratio. */
export const slowFloor: ContenderDefinition<Redis> = {
  ...floor,
  id: 'floor-slow',
  label: 'floor + 1 ms sleep (sanity)',
  group: 'sanity',
  note: 'sleeps 1 ms before each acquire',
  hidden: true,
  create: floorOf(1),
};
