import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { addDeadline, deadlineBucketCount } from '../../../src/engine/call-deadlines';

const root = join(__dirname, '../../..');

/** Advance the fake clock by each step in turn; what had fired after each. */
async function firedAfter(steps: readonly number[], fired: readonly string[]): Promise<string[][]> {
  const seen: string[][] = [];
  for (const ms of steps) {
    await jest.advanceTimersByTimeAsync(ms);
    seen.push([...fired]);
  }
  return seen;
}

describe('store call deadlines (one timer per bound)', () => {
  afterEach(() => jest.useRealTimers());

  it('fires each pending call at its own due time, in the order made, and never a cleared one', async () => {
    jest.useFakeTimers();
    const fired: string[] = [];
    const a = addDeadline(() => fired.push('a'), 1_000);
    await jest.advanceTimersByTimeAsync(300);
    const b = addDeadline(() => fired.push('b'), 1_000);
    await jest.advanceTimersByTimeAsync(300);
    addDeadline(() => fired.push('c'), 1_000);
    b.clear();
    b.clear();
    await jest.advanceTimersByTimeAsync(399);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(599);
    expect(fired).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['a', 'c']);
    a.clear();
  });

  it('a call that hangs behind many settled ones still fires, and later ones after it', async () => {
    jest.useFakeTimers();
    const fired: number[] = [];
    const hanging = addDeadline(() => fired.push(0), 500);
    for (let i = 0; i < 3_000; i += 1) addDeadline(() => fired.push(1), 500).clear();
    const last = addDeadline(() => fired.push(2), 500);
    await jest.advanceTimersByTimeAsync(500);
    expect(fired).toEqual([0, 2]);
    hanging.clear();
    last.clear();
  });

  it('a wall clock stepped forward fires no bound early (they count monotonic time)', async () => {
    jest.useFakeTimers();
    const fired: string[] = [];
    addDeadline(() => fired.push('a'), 1_000);
    await jest.advanceTimersByTimeAsync(500);
    addDeadline(() => fired.push('b'), 1_000);
    jest.setSystemTime(Date.now() + 60_000);
    expect(await firedAfter([500, 500], fired)).toEqual([['a'], ['a', 'b']]);
  });

  it('bounds differ per call: each fires after its own ms', async () => {
    jest.useFakeTimers();
    const fired: string[] = [];
    addDeadline(() => fired.push('long'), 2_000);
    addDeadline(() => fired.push('short'), 100);
    expect(await firedAfter([100, 1_900], fired)).toEqual([['short'], ['short', 'long']]);
  });

  it('drops a bucket once its calls settled and its timer fired: bounds that vary do not pile up', async () => {
    jest.useFakeTimers();
    const before = deadlineBucketCount();
    for (let ms = 100; ms < 200; ms += 1) addDeadline(() => undefined, ms).clear();
    const pending = addDeadline(() => undefined, 150);
    expect(deadlineBucketCount()).toBe(before + 100);
    await jest.advanceTimersByTimeAsync(199);
    expect(deadlineBucketCount()).toBe(before);
    pending.clear();
  });

  it('a bucket armed under real timers is re-armed when fake timers come', async () => {
    addDeadline(() => undefined, 700).clear();
    jest.useFakeTimers();
    const fired = jest.fn();
    addDeadline(fired, 700);
    await jest.advanceTimersByTimeAsync(700);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('keeps the process alive while a call is pending and not once every call settled', () => {
    const program = `
      const { addDeadline } = require('./src/engine/call-deadlines');
      const settled = addDeadline(() => console.log('settled call fired'), 60000);
      settled.clear();
      addDeadline(() => console.log('background fired'), 60000, true);
      addDeadline(() => console.log('pending fired'), 200);
    `;
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', program], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Only the pending call's bound ran; the settled and the unref'd ones did not hold the exit.
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 0,
      stdout: 'pending fired\n',
      stderr: '',
    });
  });
});
