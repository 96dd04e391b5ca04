import { FAIR_REFRESH_MS, planSleep, type WaitState } from '../../../src/engine/wait-plan';

const plain: WaitState = {
  mayAttempt: true,
  fair: false,
  retryDelay: 100,
  attempts: 1,
  untilDeadline: 10_000,
  freeAt: undefined,
  holderTtl: -1,
};

describe('planSleep (how long a waiter sleeps before it looks again)', () => {
  it('sleeps to its deadline when it may not attempt (not the local head)', () => {
    expect(planSleep({ ...plain, mayAttempt: false, holderTtl: 5 })).toEqual({
      sleep: 10_000,
      exact: false,
    });
  });

  it('keeps a plain head on its backoff, a fair waiter on its queue refresh', () => {
    const backoff = planSleep(plain).sleep;
    expect(backoff).toBeGreaterThanOrEqual(50);
    expect(backoff).toBeLessThanOrEqual(100);
    const refresh = planSleep({ ...plain, fair: true }).sleep;
    expect(refresh).toBeGreaterThanOrEqual(FAIR_REFRESH_MS / 2);
    expect(refresh).toBeLessThanOrEqual(FAIR_REFRESH_MS);
    expect(planSleep({ ...plain, untilDeadline: 20 })).toEqual({ sleep: 20, exact: false });
  });

  it("wakes exactly at the holder's known expiry when that is about as soon as it would wake", () => {
    // Times are passed in: nothing here depends on how fast the test runs.
    expect(planSleep({ ...plain, freeAt: 1_030 }, 1_000)).toEqual({ sleep: 30, exact: true });
    // Far beyond the backoff and the refresh: the backoff decides (a place is kept fresh).
    const far = planSleep({ ...plain, freeAt: 6_000 }, 1_000);
    expect(far.exact).toBe(false);
    expect(far.sleep).toBeLessThanOrEqual(100);
  });

  it("wakes at the holder's rounded-down ttl, or a ms past it in its last ms or two", () => {
    expect(planSleep({ ...plain, holderTtl: 7 })).toEqual({ sleep: 7, exact: false });
    expect(planSleep({ ...plain, holderTtl: 1 })).toEqual({ sleep: 2, exact: false });
    expect(planSleep({ ...plain, holderTtl: 0 })).toEqual({ sleep: 1, exact: false });
  });
});
