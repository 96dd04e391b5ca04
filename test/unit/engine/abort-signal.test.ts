import { getEventListeners } from 'node:events';
import { LockEngine, MemoryLockStore } from '../../../src';

describe('one AbortSignal shared by many waiters', () => {
  it('holds one abort listener for hundreds of waiters, and none once they are done', async () => {
    const store = new MemoryLockStore();
    const holder = new LockEngine({ store });
    const engine = new LockEngine({ store });
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const held = await Promise.all(['shared', ...keys].map((key) => holder.acquire(key)));
    const shutdown = new AbortController();
    const options = { signal: shutdown.signal, waitTimeout: 60_000 };
    const waiting = [
      ...Array.from({ length: 200 }, () => engine.acquire('shared', options)),
      ...keys.map((key) => engine.acquire(key, options)),
    ].map((p) =>
      p.then(
        (lock) => lock.release(),
        (error: unknown) => error,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);

    // Half of them get their lock; the listener stays for the others, then goes.
    await Promise.all(held.slice(1).map((lock) => lock.release()));
    await Promise.all(waiting.slice(200));
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    const reason = new Error('shutting down');
    shutdown.abort(reason);
    const outcomes = await Promise.all(waiting.slice(0, 200));
    expect(new Set(outcomes)).toEqual(new Set([reason]));
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    await engine.close();
    await holder.close();
  });

  it('leaves no listener behind when every waiter acquires', async () => {
    const store = new MemoryLockStore();
    const engine = new LockEngine({ store });
    const signal = new AbortController().signal;
    const first = await engine.acquire('k', { signal });
    const rest = Array.from({ length: 20 }, () =>
      engine.withLock('k', () => getEventListeners(signal, 'abort').length, { signal }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await first.release();
    const seenInside = await Promise.all(rest);
    // The last one inside is the only waiter left: nobody watches the signal for it any more.
    expect(seenInside.at(-1)).toBe(0);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await engine.close();
  });
});
