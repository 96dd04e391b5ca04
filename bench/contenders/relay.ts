/**
 * Calibration for the hot key: the least a lock that hands over by grant can do, so the fastest a
 * hand-off through this Redis can be. A process (not a caller) holds the key; callers in one
 * process queue locally and take turns. Acquire is one tiny script (free: the process holds it;
 * held: the process joins a Redis list of waiting processes); release is one tiny script that pops
 * the next process, makes it the holder and PUBLISHes to that process's own channel, or frees the
 * key. The message is the grant: one trip from the release to the next holder, as in
 * lockwarden's grant (see docs/design.md, "Hand-off by grant"), without what makes a lock safe to
 * use: no owner token per caller, no ttl, no fence, no metadata, nothing for a dead waiter. Not a
 * lock to use; the row says what the host's loopback and scheduling cost a grant hand-off.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { ioredisKind } from '../clients/ioredis';
import type { ContenderDefinition, Held } from '../contender';

// KEYS[1] holder (process id), KEYS[2] list of waiting process ids; ARGV[1] this process.
// 1: this process holds the key now; 0: it waits in the list for its grant.
const TAKE = `if redis.call('set', KEYS[1], ARGV[1], 'NX') then return 1 end
redis.call('rpush', KEYS[2], ARGV[1]) return 0`;
// KEYS as TAKE; ARGV[1] the key's name, sent as the grant. Returns the next holder's id, or ''.
const GIVE = `local next = redis.call('lpop', KEYS[2])
if not next then redis.call('del', KEYS[1]) return '' end
redis.call('set', KEYS[1], next) redis.call('publish', 'relay:' .. next, ARGV[1]) return next`;

interface RelayClient extends Redis {
  relayTake(holder: string, queue: string, id: string): Promise<number>;
  relayGive(holder: string, queue: string, key: string): Promise<string>;
}

/** One key as this process sees it. */
interface KeyState {
  /** A caller here holds it. */
  held: boolean;
  /** This process is in the Redis list, or about to be. */
  queued: boolean;
  /** Callers here waiting for their turn, first first. */
  readonly callers: Array<(held: Held) => void>;
}

export const relay: ContenderDefinition<Redis> = {
  id: 'relay',
  label: 'grant relay (calibration)',
  group: 'calibration',
  clientKind: ioredisKind,
  packages: ['ioredis'],
  note: 'held by a process, not a caller; no ttl, fence or dead-waiter handling',
  scenarios: ['hot-key'],
  async create(context) {
    const id = randomBytes(6).toString('hex');
    const client = (await context.connect()) as RelayClient;
    const subscriber = await context.connect();
    client.defineCommand('relayTake', { numberOfKeys: 2, lua: TAKE });
    client.defineCommand('relayGive', { numberOfKeys: 2, lua: GIVE });
    const keys = new Map<string, KeyState>();
    const stateOf = (key: string): KeyState => {
      let state = keys.get(key);
      if (!state) keys.set(key, (state = { held: false, queued: false, callers: [] }));
      return state;
    };
    const names = (key: string): [string, string] => [`relay:${key}`, `relay:${key}:q`];

    const give = async (key: string, state: KeyState): Promise<void> => {
      state.held = false;
      const [holder, queue] = names(key);
      await client.relayGive(holder, queue, key);
    };
    // The process holds `key`: its first caller runs, or, with nobody left, it passes it on.
    const grant = (key: string, state: KeyState): void => {
      const caller = state.callers.shift();
      if (!caller) {
        void give(key, state);
        return;
      }
      state.held = true;
      caller({ release: () => give(key, state) });
      // Others are waiting here: queue the process again so the key comes back after the rest,
      // once the caller has it (as lockwarden's next local head joins the store's queue).
      if (state.callers.length > 0) setImmediate(() => void join(key, state));
    };
    const join = async (key: string, state: KeyState): Promise<void> => {
      if (state.queued) return;
      state.queued = true;
      const [holder, queue] = names(key);
      if ((await client.relayTake(holder, queue, id)) === 1) {
        state.queued = false;
        grant(key, state);
      }
    };

    await subscriber.subscribe(`relay:${id}`);
    subscriber.on('message', (_channel: string, key: string) => {
      const state = stateOf(key);
      state.queued = false;
      grant(key, state);
    });
    return {
      acquire(key) {
        const state = stateOf(key);
        return new Promise<Held>((resolve) => {
          state.callers.push(resolve);
          // Free here: ask Redis for it. Held here: queue the process (once) for its next turn.
          void join(key, state);
        });
      },
      storageKey: (key) => `relay:${key}`,
      async close() {
        await context.disconnect(subscriber);
        await context.disconnect(client);
      },
    };
  },
};
