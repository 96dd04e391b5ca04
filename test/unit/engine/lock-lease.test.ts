import { inspect } from 'node:util';
import { Lock, LockLostError } from '../../../src';
import type { LeaseHost } from '../../../src/engine/lease-host';
import { LockLease, leaseOf } from '../../../src/engine/lock-lease';

/** A host that answers nothing by itself and records what the lease tells it. */
function recordingHost(): LeaseHost & { told: string[] } {
  const told: string[] = [];
  return {
    told,
    renew: () => new Promise(() => undefined),
    release: async () => true,
    leaseTimingChanged: () => void told.push('timing'),
    leaseExtended: (_lease, ttl) => void told.push(`extended ${ttl}`),
    leaseReleased: (_lease, released) => void told.push(`released ${released}`),
    leaseLost: () => void told.push('lost'),
  };
}

const T0 = 1_764_000_000_000;

describe('LockLease: one object is the lock and its lease', () => {
  let now = T0;
  beforeEach(() => {
    now = T0;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  function lease(host: LeaseHost | null = recordingHost(), renewal: boolean | number = true) {
    return new LockLease(host, 'k', 'lw:{k}', 'secret-token', 2 ** 52, 3_000, renewal, 500, now);
  }

  it('is a Lock, found by the brand check, with times in epoch ms', () => {
    const l = lease();
    expect(l).toBeInstanceOf(Lock);
    expect(leaseOf(l)).toBe(l);
    expect(LockLease.isLease({})).toBe(false);
    expect(l.acquiredAt).toBe(T0);
    expect(l.expiresAt).toBe(T0 + 3_000);
    expect(l.nextRenewAt).toBe(T0 + 1_000);
    expect(l.fence).toBe(2 ** 52);
    expect(l.storeKey).toBe('lw:{k}');
    expect(lease(recordingHost(), false).nextRenewAt).toBe(Number.POSITIVE_INFINITY);
  });

  it('ignores a confirmation that arrives after a newer send was confirmed', () => {
    const l = lease();
    now = T0 + 10;
    const older = l.send(5_000);
    now = T0 + 20;
    const shorter = l.send(100);
    now = T0 + 30;
    const newest = l.send(5_000);
    expect(l.expiresAt).toBe(T0 + 120); // the shorter send in flight already bounds it
    l.confirm(shorter);
    expect(l.expiresAt).toBe(T0 + 120);
    expect(l.nextRenewAt).toBe(T0 + 20 + 1_000); // a third of the lease's ttl after that send
    l.confirm(older); // late: older than the confirmed one
    expect(l.expiresAt).toBe(T0 + 120);
    l.confirm(newest);
    expect(l.expiresAt).toBe(T0 + 5_030);
    l.confirm(shorter); // again: nothing
    expect(l.expiresAt).toBe(T0 + 5_030);
  });

  it('gives a signal first read after a loss and a release the loss as its reason', async () => {
    const host = recordingHost();
    const l = lease(host);
    const error = l.lose('test');
    await l.release();
    expect(l.signal.aborted).toBe(true);
    expect(l.signal.reason).toBe(error);
    expect(error).toBeInstanceOf(LockLostError);
    expect(host.told).toEqual(['lost', 'released false']);
  });

  it('shows no field, so the owner token is out of inspection, spreads and JSON', () => {
    const l = lease();
    const shown = [
      // As before the lease was the handle: only calling the `token` getter shows it.
      inspect(l, { showHidden: true, depth: null, customInspect: false }),
      inspect(l, { showHidden: true, depth: null, getters: true }),
      JSON.stringify(l),
      JSON.stringify({ ...l }),
    ];
    expect(Object.keys(l)).toEqual([]);
    expect(Object.getOwnPropertyNames(l)).toEqual([]);
    for (const text of shown) expect(text).not.toContain('secret-token');
    expect(shown[1]).toBe('Lock { key: "k", fence: 4503599627370496, held: true }');
    expect(l.token).toBe('secret-token');
  });

  it('for a fail-open run (no host) is never held and its signal never aborts', async () => {
    const l = lease(null);
    expect(l.held).toBe(false);
    expect(l.signal.aborted).toBe(false);
    expect(await l.release()).toBe(false);
    expect(l.signal.aborted).toBe(false);
  });
});
