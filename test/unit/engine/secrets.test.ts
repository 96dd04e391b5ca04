import { inspect } from 'node:util';
import {
  LockEngine,
  LockLostError,
  LockStoreError,
  MemoryLockStore,
  type LockErrorEvent,
  type LockStore,
} from '../../../src';
import { storeOver } from '../../support/scripted-store';
import { waitUntil } from '../../support/wait-until';

/** Like a Redis client's errors: the token in the message and in the command's arguments. */
function leakyError(owner: string): Error {
  return Object.assign(new Error(`ERR cannot do it for ${owner}`), {
    command: { name: 'evalsha', args: ['lw:{k}', owner] },
  });
}

/**
 * A memory store whose calls fail like a Redis client's (the token in the message and in the
 * command's arguments): acquiring `bad`, every release, and renewals once `failRenew` is set.
 * Records every owner token it saw, and what the engines hand out.
 */
function leakyEngines() {
  const tokens = new Set<string>();
  const inner = new MemoryLockStore();
  const state = { failRenew: false };
  const leaky: LockStore = storeOver(inner, {
    acquire: (key, owner, ...rest) => {
      tokens.add(owner);
      return key === 'lw:{bad}'
        ? Promise.reject(leakyError(owner))
        : inner.acquire(key, owner, ...rest);
    },
    renew: (key, owner, ttl) => {
      tokens.add(owner);
      return state.failRenew ? Promise.reject(leakyError(owner)) : inner.renew(key, owner, ttl);
    },
    release: (key, owner) => {
      tokens.add(owner);
      return Promise.reject(leakyError(owner));
    },
  });
  const logged: unknown[] = [];
  const logger = {
    warn: (...args: unknown[]) => void logged.push(args),
    error: (...args: unknown[]) => void logged.push(args),
  };
  const engine = new LockEngine({ store: leaky, logger });
  const failOpen = new LockEngine({ store: leaky, logger, onStoreError: 'run' });
  const events: LockErrorEvent[] = [];
  engine.on('error', (event) => events.push(event));
  return { tokens, inner, state, logged, engine, failOpen, events };
}

describe('the engine keeps owner tokens out of what it hands out, whatever the store', () => {
  it('redacts store errors in rejections, error events and logs', async () => {
    const { tokens, state, logged, engine, failOpen, events } = leakyEngines();

    const rejections = [
      await engine.acquire('bad').catch((e: unknown) => e),
      await engine.claim('bad', { ttl: 1_000 }).catch((e: unknown) => e),
    ];
    const lock = await engine.acquire('k', { ttl: 300 });
    state.failRenew = true;
    rejections.push(await lock.extend().catch((e: unknown) => e));
    // A scheduled renewal fails too (every 100 ms): an error event.
    await new Promise((resolve) => setTimeout(resolve, 150));
    rejections.push(await lock.release().catch((e: unknown) => e));
    await engine.withLock('w', () => undefined); // its release fails: an error event
    await failOpen.withLock('bad', () => undefined); // fails open: a log line

    expect(rejections.every((e) => e instanceof LockStoreError)).toBe(true);
    expect(events.map((e) => e.operation)).toEqual(expect.arrayContaining(['renew', 'release']));
    expect(logged).toHaveLength(1);
    const everything = inspect([rejections, events, logged], {
      showHidden: true,
      depth: null,
      getters: true,
    });
    expect(everything).toContain('ERR cannot do it for [redacted]');
    expect(tokens.size).toBeGreaterThanOrEqual(4);
    for (const token of tokens) expect(everything).not.toContain(token);
    await engine.close();
    await failOpen.close();
  });
});

describe('multi-key locks keep every part’s owner token out of what they hand out', () => {
  it('in rejections, error events, logs, and the lock’s JSON and inspect output', async () => {
    const { tokens, inner, logged, engine, failOpen, events } = leakyEngines();

    // 'a' is taken, 'bad' fails: undoing 'a' fails too (an error event).
    const rejections: unknown[] = [await engine.acquire(['a', 'bad']).catch((e: unknown) => e)];
    // A set whose release fails.
    const set = await engine.acquire(['b', 'c']);
    const shown = [
      inspect(set),
      JSON.stringify(set),
      // The set and its parts keep their state in #private fields: nothing to show.
      inspect(set, { showHidden: true, depth: null, customInspect: false }),
      JSON.stringify({ ...set }),
    ];
    rejections.push(await set.release().catch((e: unknown) => e));
    // A set that loses a part: releasing the others in the background fails (error events).
    const lost = await engine.acquire(['d', 'e']);
    await inner.forceRelease('lw:{e}');
    rejections.push(await lost.extend().catch((e: unknown) => e));
    await waitUntil('background release reported', () =>
      events.some((e) => e.key === 'd' && e.operation === 'release'),
    );
    await engine.withLock(['f', 'g'], () => undefined); // its release fails: error events
    await failOpen.withLock(['bad', 'h'], () => undefined); // fails open: a log line

    expect(rejections.map((e) => (e as Error).constructor)).toEqual([
      LockStoreError,
      LockStoreError,
      LockLostError,
    ]);
    expect(events.map((e) => e.key)).toEqual(expect.arrayContaining(['a', 'd', 'f', 'g']));
    expect(logged).toHaveLength(1);
    const everything = inspect([rejections, events, logged, shown], {
      showHidden: true,
      depth: null,
      getters: true,
    });
    expect(everything).toContain('ERR cannot do it for [redacted]');
    expect(tokens.size).toBeGreaterThanOrEqual(8);
    for (const token of tokens) expect(everything).not.toContain(token);
    await engine.close();
    await failOpen.close();
  });
});
