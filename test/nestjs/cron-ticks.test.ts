import { CronTicks } from '../../src/nestjs/cron/cron-ticks';

const at = (iso: string) => Date.parse(iso);

describe('CronTicks.nearest (tick identity)', () => {
  it('names a tick by its scheduled time, whether the timer fires a little late or early', () => {
    const ticks = new CronTicks('* * * * * *');
    const t = at('2026-01-01T00:00:10.000Z');
    for (const offset of [0, 3, 250, 499, -1, -250, -499]) {
      expect(ticks.nearest(t + offset)).toEqual({ at: t, interval: 1_000 });
    }
    expect(ticks.nearest(t + 501).at).toBe(t + 1_000);
    expect(ticks.nearest(t - 501).at).toBe(t - 1_000);
  });

  it('gives an exact midpoint to the earlier tick, so every replica breaks the tie the same way', () => {
    const ticks = new CronTicks('*/10 * * * * *');
    const t = at('2026-01-01T00:00:10.000Z');
    expect(ticks.nearest(t + 5_000).at).toBe(t);
  });

  it('lets replicas with clocks skewed by less than half the interval agree', () => {
    const ticks = new CronTicks('0 */5 * * * *');
    const t = at('2026-03-01T12:05:00.000Z');
    // Each replica reads its own clock when its own scheduler fires (at its local t).
    const skews = [-149_000, -300, 0, 300, 149_000];
    expect(new Set(skews.map((skew) => ticks.nearest(t + skew).at))).toEqual(new Set([t]));
    expect(ticks.nearest(t).interval).toBe(300_000);
  });

  it('follows irregular schedules: the interval is the gap to the next scheduled time', () => {
    const ticks = new CronTicks('0 0 9,17 * * *', 'UTC');
    const nine = at('2026-05-04T09:00:00.000Z');
    expect(ticks.nearest(nine + 20)).toEqual({ at: nine, interval: 8 * 3_600_000 });
    const five = at('2026-05-04T17:00:00.000Z');
    expect(ticks.nearest(five - 20)).toEqual({ at: five, interval: 16 * 3_600_000 });
  });

  it('finds the last scheduled time when looking back overshoots several of them', () => {
    // Seconds 0 and 1 of each minute: from second 30, the lookback first lands before second 0.
    const ticks = new CronTicks('0,1 * * * * *');
    const minute = at('2026-01-01T00:01:00.000Z');
    expect(ticks.nearest(minute + 30_000)).toEqual({ at: minute + 1_000, interval: 59_000 });
  });

  it('uses the time zone or UTC offset of the expression', () => {
    const paris = new CronTicks('0 0 9 * * *', 'Europe/Paris');
    // 09:00 in Paris in summer is 07:00 UTC.
    expect(paris.nearest(at('2026-07-01T07:00:00.004Z')).at).toBe(at('2026-07-01T07:00:00.000Z'));
    const plus2 = new CronTicks('0 0 0 1 1 *', undefined, 120);
    const newYear = at('2025-12-31T22:00:00.000Z');
    expect(plus2.nearest(newYear + 5).at).toBe(newYear);
    expect(plus2.nearest(newYear + 100 * 86_400_000).at).toBe(newYear);
  });

  it('rejects what cron rejects', () => {
    expect(() => new CronTicks('61 * * * * *')).toThrow('Field value (61) is out of range');
    expect(() => new CronTicks('* * * * * *', 'Mars/Base')).toThrow('Invalid timezone.');
  });
});
