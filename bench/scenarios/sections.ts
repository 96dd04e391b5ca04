/**
 * What the hot-key scenario concludes from the critical sections all workers recorded. Times are
 * ns on the host's monotonic clock (process.hrtime, shared by every process of one machine),
 * relative to the common start.
 */
import { percentile } from '../harness/stats';

export interface Section {
  /** Who held it: `<process>.<loop>`. */
  waiter: string;
  process: number;
  /** Right after the acquisition resolved. */
  acquiredNs: number;
  /** Right before release was called. */
  releasingNs: number;
}

export interface SectionAnalysis {
  /** Sections that began inside the window. */
  inWindow: number;
  perSecond: number;
  /** From one holder's release call to a *different* waiter's acquisition, ms. */
  handoffsMs: number[];
  handoffP50Ms: number | null;
  handoffP99Ms: number | null;
  /** Share of those hand-offs that went to another process. */
  crossProcessShare: number | null;
  /**
   * p50 of the hand-offs to another process only, ms: what a lock that hands every section to
   * another process (one waiter per process in the store's queue) is compared with.
   */
  crossProcessP50Ms: number | null;
  /** p99 of the hand-offs to a waiter in another process, ms. */
  crossProcessP99Ms: number | null;
  /** p50 of the hand-offs within one process only, ms. */
  sameProcessP50Ms: number | null;
  /** p99 of the hand-offs to another waiter in the same process, ms. */
  sameProcessP99Ms: number | null;
  /** Sections that began before an earlier one ended: two holders at once. */
  overlaps: number;
  /** Mean time from acquisition to the release call (the hold, as the lock saw it), ms. */
  holdMeanMs: number | null;
  /**
   * Sections per second if every hand-off took no time at all: 1 s / the mean hold. No lock with
   * 0 overlaps can pass it, whatever its hand-off.
   */
  ceilingPerSecond: number | null;
  /** Sections per waiter inside the window. */
  perWaiter: Record<string, number>;
  /** Most / fewest sections of one waiter; `Infinity` when some waiter got none. */
  maxMin: number;
  starvedWaiters: number;
}

export function analyseSections(
  sections: readonly Section[],
  windowNs: number,
  waiters: readonly string[],
): SectionAnalysis {
  const sorted = [...sections].sort((a, b) => a.acquiredNs - b.acquiredNs);
  const perWaiter: Record<string, number> = Object.fromEntries(waiters.map((w) => [w, 0]));
  const handoffsMs: number[] = [];
  const crossProcessMs: number[] = [];
  const sameProcessMs: number[] = [];
  let overlaps = 0;
  let inWindow = 0;
  let heldNs = 0;
  // The section that ended last so far: whoever takes the lock next takes it from that holder.
  let last: Section | undefined;
  for (const section of sorted) {
    const previous = last;
    if (previous && section.acquiredNs < previous.releasingNs) overlaps += 1;
    if (!previous || section.releasingNs > previous.releasingNs) last = section;
    if (section.acquiredNs >= windowNs) continue;
    inWindow += 1;
    heldNs += section.releasingNs - section.acquiredNs;
    perWaiter[section.waiter] = (perWaiter[section.waiter] ?? 0) + 1;
    if (
      previous &&
      previous.waiter !== section.waiter &&
      section.acquiredNs >= previous.releasingNs
    ) {
      const handoffMs = (section.acquiredNs - previous.releasingNs) / 1e6;
      handoffsMs.push(handoffMs);
      (previous.process !== section.process ? crossProcessMs : sameProcessMs).push(handoffMs);
    }
  }
  const counts = Object.values(perWaiter);
  const holdMeanMs = inWindow > 0 ? heldNs / inWindow / 1e6 : null;
  const most = Math.max(0, ...counts);
  const fewest = Math.min(...counts);
  return {
    inWindow,
    perSecond: inWindow / (windowNs / 1e9),
    handoffsMs,
    handoffP50Ms: percentile(handoffsMs, 50),
    handoffP99Ms: percentile(handoffsMs, 99),
    crossProcessShare: handoffsMs.length > 0 ? crossProcessMs.length / handoffsMs.length : null,
    crossProcessP50Ms: percentile(crossProcessMs, 50),
    crossProcessP99Ms: percentile(crossProcessMs, 99),
    sameProcessP50Ms: percentile(sameProcessMs, 50),
    sameProcessP99Ms: percentile(sameProcessMs, 99),
    overlaps,
    holdMeanMs,
    ceilingPerSecond: holdMeanMs ? 1000 / holdMeanMs : null,
    perWaiter,
    maxMin: fewest > 0 ? most / fewest : Number.POSITIVE_INFINITY,
    starvedWaiters: counts.filter((c) => c === 0).length,
  };
}
