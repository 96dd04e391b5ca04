import type { CronTime } from 'cron';
import { loadSchedulePackages } from './schedule-packages';

// cron searches at most 8 years ahead; looking further back for a previous tick is pointless.
const MAX_LOOKBACK_MS = 9 * 366 * 24 * 3_600_000;

/** A cron schedule as `cron` (which fires `@nestjs/schedule` jobs) computes it. */
export class CronTicks {
  readonly #time: CronTime;
  readonly #zone: string | undefined;

  /** Throws the `cron` package's error for a bad expression, time zone or offset. */
  constructor(expression: string, timeZone?: unknown, utcOffset?: unknown) {
    const { CronTime } = loadSchedulePackages('@SingleInstanceCron');
    // Both zone options go to cron as given, so that cron's own rules decide (one of the two).
    this.#time = new CronTime(expression, timeZone as never, utcOffset as never);
    this.#zone = this.#time.timeZone ?? offsetZone(this.#time.utcOffset);
  }

  /**
   * The scheduled time nearest to `now` (epoch ms: the tick's identity across replicas) and the
   * interval to the next, so that replicas whose clocks disagree by less than half an interval (or
   * whose timers fire a little early or late) name the same tick. A tie goes to the earlier one.
   */
  nearest(now: number): { at: number; interval: number } {
    const next = this.#next(now);
    const previous = this.#previous(now);
    if (previous !== undefined && now - previous <= next - now) {
      return { at: previous, interval: next - previous };
    }
    return { at: next, interval: this.#next(next) - next };
  }

  /** The first scheduled time strictly after `from`. */
  #next(from: number): number {
    return this.#time.getNextDateFrom(new Date(from), this.#zone).toMillis();
  }

  /** The last scheduled time at or before `now`, if there is one within reach. */
  #previous(now: number): number | undefined {
    // Look back twice as far each time: right after a tick fires, the first step finds it.
    for (let back = 1_000; back <= MAX_LOOKBACK_MS; back *= 2) {
      let found = this.#next(now - back);
      if (found > now) continue;
      for (let after = this.#next(found); after <= now; after = this.#next(found)) found = after;
      return found;
    }
    return undefined;
  }
}

/** The zone name `cron` uses for a UTC offset in minutes (`UTC+05:30`). */
function offsetZone(utcOffset: number | undefined): string | undefined {
  if (utcOffset === undefined) return undefined;
  const sign = utcOffset < 0 ? '-' : '+';
  const hours = String(Math.trunc(Math.abs(utcOffset) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(utcOffset) % 60).padStart(2, '0');
  return `UTC${sign}${hours}:${minutes}`;
}
