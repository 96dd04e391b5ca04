import { analyseSections, type Section } from '../../../bench/scenarios/sections';

const ms = 1e6;
const section = (waiter: string, acquired: number, releasing: number): Section => ({
  waiter,
  process: Number(waiter.split('.')[0]),
  acquiredNs: acquired * ms,
  releasingNs: releasing * ms,
});

describe('analyseSections (hot-key scenario)', () => {
  const waiters = ['0.0', '0.1', '1.0'];

  it('measures hand-offs only to a different waiter, from release call to acquisition', () => {
    const analysis = analyseSections(
      [
        section('0.0', 0, 1),
        section('0.0', 1.2, 2.2), // same waiter again: not a hand-off
        section('0.1', 2.5, 3.5), // same process, another waiter, 0.3 ms after 2.2
        section('1.0', 4.5, 5.5), // another process, 1 ms after 3.5
      ],
      10 * ms,
      waiters,
    );
    expect(analysis.handoffsMs.map((h) => Number(h.toFixed(6)))).toEqual([0.3, 1]);
    expect(analysis.crossProcessShare).toBe(0.5);
    expect(analysis.crossProcessP50Ms).toBeCloseTo(1, 9);
    expect(analysis.sameProcessP50Ms).toBeCloseTo(0.3, 9);
    // One hand-off of each kind: its p99 is that hand-off.
    expect(analysis.crossProcessP99Ms).toBeCloseTo(1, 9);
    expect(analysis.sameProcessP99Ms).toBeCloseTo(0.3, 9);
    expect(analysis.overlaps).toBe(0);
    expect(analysis.inWindow).toBe(4);
    expect(analysis.perSecond).toBe(400);
  });

  it('reports the mean hold and the sections/s that 0-ms hand-offs would give', () => {
    const analysis = analyseSections(
      [section('0.0', 0, 1), section('0.1', 1.5, 2.75), section('1.0', 3, 4.25)],
      10 * ms,
      waiters,
    );
    expect(analysis.holdMeanMs).toBeCloseTo(7 / 6, 9);
    expect(analysis.ceilingPerSecond).toBeCloseTo(6000 / 7, 6);
    expect(analyseSections([], 10 * ms, waiters).ceilingPerSecond).toBeNull();
  });

  it('counts a section that begins before an earlier one ended as an overlap, in any order', () => {
    const analysis = analyseSections(
      [section('1.0', 2, 3), section('0.0', 0, 5), section('0.1', 6, 7)],
      10 * ms,
      waiters,
    );
    expect(analysis.overlaps).toBe(1);
    // The overlapping pair is not a hand-off; the lock was free from 5 (not 3) until 6.
    expect(analysis.handoffsMs).toEqual([1]);
  });

  it('counts per waiter inside the window only, and calls a waiter without sections starved', () => {
    const analysis = analyseSections(
      [section('0.0', 0, 1), section('0.0', 2, 3), section('0.1', 4, 5), section('1.0', 11, 12)],
      10 * ms,
      waiters,
    );
    expect(analysis.perWaiter).toEqual({ '0.0': 2, '0.1': 1, '1.0': 0 });
    expect(analysis.inWindow).toBe(3);
    expect(analysis.starvedWaiters).toBe(1);
    expect(analysis.maxMin).toBe(Number.POSITIVE_INFINITY);

    const fair = analyseSections(
      [section('0.0', 0, 1), section('0.0', 2, 3), section('0.1', 4, 5), section('1.0', 6, 7)],
      10 * ms,
      waiters,
    );
    expect(fair.maxMin).toBe(2);
  });
});
