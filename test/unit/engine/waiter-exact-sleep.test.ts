import { setTimeout as delay } from 'node:timers/promises';
import { Waiter } from '../../../src/engine/waiter';

describe('Waiter.sleepExactly: waking right after a known moment', () => {
  it('never ends before the time asked for, by performance.now() (real timers)', async () => {
    for (const ms of [0.3, 1.5, 3.7]) {
      const waiter = new Waiter(undefined, false);
      const start = performance.now();
      await waiter.sleepExactly(ms);
      expect(performance.now() - start).toBeGreaterThanOrEqual(ms);
    }
  });

  it('ends early when woken, and rejects with the abort reason when its signal aborts', async () => {
    const woken = new Waiter(undefined, false);
    const sleeping = woken.sleepExactly(60_000);
    woken.wake();
    await expect(sleeping).resolves.toBeUndefined();

    const controller = new AbortController();
    const aborted = new Waiter(controller.signal, false);
    const reason = new Error('caller gave up');
    const pending = aborted.sleepExactly(60_000);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('does not spin on a clock that stands still: it looks again with a 1 ms timer', async () => {
    // A clock that does not move between turns of the event loop, as a fake one may not.
    const now = jest.spyOn(performance, 'now').mockReturnValue(1_000);
    const immediate = jest.spyOn(global, 'setImmediate');
    const timeout = jest.spyOn(global, 'setTimeout');
    try {
      const waiter = new Waiter(undefined, false);
      let ended = false;
      const sleeping = waiter.sleepExactly(0.5).then(() => (ended = true));
      await delay(20);
      expect(ended).toBe(false);
      // Every immediate was followed by a timer, not by another immediate.
      expect(immediate.mock.calls.length).toBeLessThanOrEqual(timeout.mock.calls.length + 1);
      now.mockReturnValue(1_000.5);
      await sleeping;
    } finally {
      jest.restoreAllMocks();
    }
  });

  describe('on a fake clock', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('ends at the first tick at or after the time', async () => {
      const waiter = new Waiter(undefined, false);
      let ended = false;
      void waiter.sleepExactly(5.5).then(() => (ended = true));
      await jest.advanceTimersByTimeAsync(5);
      expect(ended).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(ended).toBe(true);
    });
  });
});
