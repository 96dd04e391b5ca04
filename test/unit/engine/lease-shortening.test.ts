import {
  LockEngine,
  MemoryLockStore,
  type LockLostEvent,
  type LockStore,
  type RenewRequest,
} from '../../../src';
import { storeOver } from '../../support/scripted-store';

/**
 * A store that applies renewals at once (as Redis applies calls in send order) but holds their
 * replies until the test lets them through, so confirmations can arrive out of send order.
 */
class HeldReplies {
  readonly store: LockStore;
  readonly #gates: Array<() => void> = [];
  holdRenewMany = false;
  holdRenew = false;

  constructor(readonly inner: MemoryLockStore) {
    const hold = <T>(applied: Promise<T>, held: boolean): Promise<T> =>
      held
        ? new Promise<T>((resolve) => this.#gates.push(() => void applied.then(resolve)))
        : applied;
    this.store = storeOver(inner, {
      renew: (key, owner, ttl) => hold(inner.renew(key, owner, ttl), this.holdRenew),
      renewMany: (requests: readonly RenewRequest[]) =>
        hold(inner.renewMany(requests), this.holdRenewMany),
    });
  }

  get pending(): number {
    return this.#gates.length;
  }

  /** Deliver the held replies, oldest first. */
  releaseAll(): void {
    for (const open of this.#gates.splice(0)) open();
  }
}

describe('shortening a lease (fake clock)', () => {
  let inner: MemoryLockStore;
  let replies: HeldReplies;
  let engine: LockEngine;
  const lost: LockLostEvent[] = [];

  beforeEach(() => {
    jest.useFakeTimers();
    inner = new MemoryLockStore();
    replies = new HeldReplies(inner);
    engine = new LockEngine({ store: replies.store });
    lost.length = 0;
    engine.on('lost', (event) => lost.push(event));
  });
  afterEach(async () => {
    replies.holdRenew = replies.holdRenewMany = false;
    replies.releaseAll();
    await engine.close();
    jest.useRealTimers();
  });

  it('moves the deadline earlier: send time of the extend + its shorter ttl', async () => {
    const lock = await engine.acquire('k', { ttl: 30_000, autoExtend: false });
    await jest.advanceTimersByTimeAsync(1_000);
    const sentAt = Date.now();
    await lock.extend(300);
    expect(lock.expiresAt).toBe(sentAt + 300);
    await jest.advanceTimersByTimeAsync(299);
    expect(lock.held).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    // The store let it go at the same moment.
    expect(await inner.inspect('lw:{k}')).toBeNull();
    expect(lock.held).toBe(false);
    expect(lost.map((e) => e.error.message)).toEqual([
      'Lock "k" was lost: its ttl of 300 ms ran out (autoExtend is off).',
    ]);
  });

  it('renews at a third of the latest ttl after extend(shorter)', async () => {
    const lock = await engine.acquire('k', { ttl: 30_000 });
    const renewals: number[] = [];
    engine.on('extended', (event) => renewals.push(event.ttl));
    await lock.extend(900);
    renewals.length = 0;
    // At the old period (10 s) nothing would be sent in this second and the key would expire.
    await jest.advanceTimersByTimeAsync(1_000);
    expect(renewals).toEqual([900, 900, 900]);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(lock.held).toBe(true);
    const info = await inner.inspect('lw:{k}');
    expect(info?.ttl).toBeGreaterThan(0);
    expect(info?.ttl).toBeLessThanOrEqual(900);
  });

  it('with { interval }: keeps the period while it is below the ttl, else a third of the ttl', async () => {
    const lock = await engine.acquire('k', { ttl: 30_000, autoExtend: { interval: 1_000 } });
    const sent: number[] = [];
    engine.on('extended', () => sent.push(Date.now()));
    await lock.extend(600);
    sent.length = 0;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(5); // every 200 ms
    await lock.extend(5_000);
    sent.length = 0;
    await jest.advanceTimersByTimeAsync(3_000);
    expect(sent).toHaveLength(3); // every 1 000 ms again
    expect(lock.held).toBe(true);
  });

  it('a late confirmation of an older renewal does not undo a newer, shorter extend', async () => {
    const lock = await engine.acquire('k', { ttl: 3_000 });
    replies.holdRenewMany = true;
    await jest.advanceTimersByTimeAsync(1_000);
    // The scheduled renewal (ttl 3 000) was sent and applied, but its reply is held.
    expect(replies.pending).toBe(1);
    replies.holdRenewMany = false;
    const sentAt = Date.now();
    await lock.extend(500);
    expect(lock.expiresAt).toBe(sentAt + 500);
    // Now the older renewal's reply arrives: the store applied the extend after it.
    replies.releaseAll();
    await jest.advanceTimersByTimeAsync(0);
    expect(lock.expiresAt).toBe(sentAt + 500);
    expect(lost).toEqual([]);
  });

  it('an extend(shorter) still in flight already bounds the deadline', async () => {
    const lock = await engine.acquire('k', { ttl: 3_000, autoExtend: false });
    replies.holdRenew = true;
    const sentAt = Date.now();
    const extending = lock.extend(200).catch((e: unknown) => e);
    // Applied by the store, not yet confirmed: the key expires at sentAt + 200 either way.
    expect(lock.expiresAt).toBe(sentAt + 200);
    await jest.advanceTimersByTimeAsync(200);
    expect(await inner.inspect('lw:{k}')).toBeNull();
    expect(lock.held).toBe(false);
    replies.releaseAll();
    expect(((await extending) as Error).name).toBe('LockNotHeldError');
  });

  it('held turns false at the deadline even before any timer runs', async () => {
    const lock = await engine.acquire('k', { ttl: 1_000, autoExtend: false });
    // Move the clock without running timers, as a blocked event loop would.
    jest.setSystemTime(Date.now() + 1_000);
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect(lost).toHaveLength(1);
  });
});
