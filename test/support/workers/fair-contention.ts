/**
 * Runs the `fair-loops.ts` workload in several forked processes at once and summarises it:
 * per-loop counts, overlaps (by the inside counter and by server time), queue order, hand-offs.
 */
import type { LoopResult, RunRequest, SectionRecord } from './fair-loops';
import type { WorkerProcess } from './worker-process';

export type { LoopResult, SectionRecord };

export interface LoopCount extends LoopResult {
  worker: string;
  loop: number;
}

export interface ContentionRun {
  loops: LoopCount[];
  /** Every critical section of every process, in fence (= acquisition) order. */
  sections: SectionRecord[];
  errors: string[];
}

/** Start the same run on every worker at once and collect what each reports. */
export async function runContention(
  workers: readonly WorkerProcess[],
  request: Omit<RunRequest, 'loops'> & { loops: (worker: number) => boolean[] },
): Promise<ContentionRun> {
  workers.forEach((worker, index) =>
    worker.send({ type: 'run', ...request, loops: request.loops(index) }),
  );
  const replies = await Promise.all(
    workers.map((worker) =>
      worker.next('result', request.durationMs + request.waitTimeout + 10_000),
    ),
  );
  const loops: LoopCount[] = [];
  const sections: SectionRecord[] = [];
  const errors: string[] = [];
  replies.forEach((reply, index) => {
    (reply['loops'] as LoopResult[]).forEach((loop, i) =>
      loops.push({ ...loop, worker: `p${index}`, loop: i }),
    );
    sections.push(...(reply['sections'] as SectionRecord[]));
    errors.push(...(reply['errors'] as string[]));
  });
  sections.sort((a, b) => a.fence - b.fence);
  return { loops, sections, errors };
}

/** Pairs of consecutive sections (by fence) where the later one began before the earlier ended. */
export function overlapsByServerTime(sections: readonly SectionRecord[]): string[] {
  const overlaps: string[] = [];
  for (let i = 1; i < sections.length; i++) {
    const before = sections[i - 1]!;
    const after = sections[i]!;
    if (!(after.fence > before.exitUs)) {
      overlaps.push(
        `${after.worker}/${after.loop} (fence ${after.fence}) acquired before ${before.worker}/${before.loop} (fence ${before.fence}) left at ${before.exitUs}`,
      );
    }
  }
  return overlaps;
}

/**
 * Fair waiters that were overtaken. Sorted by fence (acquisition order), a fair waiter's ticket
 * must be above the ticket of every acquisition from the queue before it: nobody who joined the
 * queue after it got the lock first. Plain (default-mode) waiters are in the queue too, but a
 * release may hand the lock to its own process's next plain waiter ahead of them (for a few ms
 * at most; docs/design.md, "Hand-off by grant"), so only fair waiters are checked.
 */
export function ticketOrderViolations(sections: readonly SectionRecord[]): string[] {
  const violations: string[] = [];
  let latest: SectionRecord | undefined;
  for (const section of sections) {
    if (section.ticket === null) continue;
    if (section.fair && latest && latest.ticket !== null && !(section.ticket > latest.ticket)) {
      violations.push(
        `fence ${section.fence} (${section.worker}/${section.loop}, fair) has ticket ${section.ticket} <= ticket ${latest.ticket} of the earlier fence ${latest.fence} (${latest.worker}/${latest.loop})`,
      );
    }
    if (!latest || latest.ticket === null || section.ticket > latest.ticket) latest = section;
  }
  return violations;
}

export interface Spread {
  min: number;
  max: number;
  ratio: number;
  /** Share of hand-offs where the loop that released took the lock again. */
  sameLoopShare: number;
  /** Share of hand-offs that stayed in the same process. */
  sameProcessShare: number;
  /** Gap from one section's exit to the next acquisition, server clock, ms. */
  gapsMs: number[];
}

export function spreadOf(run: ContentionRun): Spread {
  const counts = run.loops.map((l) => l.count);
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  let same = 0;
  let sameProcess = 0;
  const gapsMs: number[] = [];
  for (let i = 1; i < run.sections.length; i++) {
    const before = run.sections[i - 1]!;
    const after = run.sections[i]!;
    if (before.worker === after.worker) sameProcess += 1;
    if (before.worker === after.worker && before.loop === after.loop) same += 1;
    gapsMs.push((after.fence - before.exitUs) / 1_000);
  }
  return {
    min,
    max,
    ratio: min === 0 ? Number.POSITIVE_INFINITY : max / min,
    sameLoopShare: run.sections.length > 1 ? same / (run.sections.length - 1) : 0,
    sameProcessShare: run.sections.length > 1 ? sameProcess / (run.sections.length - 1) : 0,
    gapsMs,
  };
}

/** Percentile (nearest rank) of `values`; `NaN` when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
