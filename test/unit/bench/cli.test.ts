import { BenchUsageError, parseCli } from '../../../bench/cli';

describe('npm run bench options', () => {
  it('runs every scenario and every contender but the sanity checks by default', () => {
    const options = parseCli([]);
    expect(options.complete).toBe(true);
    expect(options.quick).toBe(false);
    expect(options.scenarios.map((s) => s.id)).toEqual([
      'sequential',
      'throughput',
      'hot-key',
      'crash',
      'held',
      'decorator',
      'engine',
    ]);
    const ids = options.contenders.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['ping', 'floor', 'lockwarden', 'redlock4-10ms']));
    expect(ids).not.toContain('floor-slow');
    expect(ids).not.toContain('no-lock');
    // lockwarden over ioredis only, unless --clients says otherwise.
    expect(ids).not.toContain('lockwarden@node-redis');
    expect(options.kinds.map((k) => k.name)).toEqual(['ioredis']);
  });

  it('runs lockwarden over every client kind with --clients all (still a complete run)', () => {
    const options = parseCli(['--clients', 'all']);
    expect(options.kinds.map((k) => k.name)).toEqual([
      'ioredis',
      'node-redis',
      'node-redis@5',
      'glide',
    ]);
    expect(options.contenders.map((c) => c.id)).toEqual(
      expect.arrayContaining(['lockwarden', 'lockwarden@glide', 'lockwarden-fair@node-redis']),
    );
    expect(options.complete).toBe(true);
    expect(parseCli(['--clients', 'glide']).complete).toBe(false);
  });

  it('selects scenarios by id or number, in run order, and contenders by id', () => {
    const options = parseCli([
      '--quick',
      '--scenarios',
      'crash,3',
      '--contenders',
      'floor-slow,lockwarden',
      '--clients',
      'all',
    ]);
    expect(options.scenarios.map((s) => s.id)).toEqual(['hot-key', 'crash']);
    expect(options.contenders.map((c) => c.id)).toEqual([
      'lockwarden',
      'lockwarden@node-redis',
      'lockwarden@node-redis@5',
      'lockwarden@glide',
      'floor-slow',
    ]);
    expect(options.complete).toBe(false);
  });

  it('names what to change', () => {
    expect(() => parseCli(['--scenarios', 'hotkey'])).toThrow(BenchUsageError);
    expect(() => parseCli(['--scenarios', 'hotkey'])).toThrow(
      'unknown scenario (--scenarios) "hotkey"; known: sequential, throughput, hot-key, crash, held, decorator, engine',
    );
    expect(() => parseCli(['--contenders', 'redlock'])).toThrow(
      /unknown contender \(--contenders\) "redlock"; known: ping, relay, floor, /,
    );
    expect(() => parseCli(['--clients', 'jedis'])).toThrow(
      'unknown client kind (--clients) "jedis"; known: ioredis, node-redis, node-redis@5, glide',
    );
    expect(() => parseCli(['--quik'])).toThrow(
      /Unknown option '--quik'[\s\S]*Usage: npm run bench/,
    );
  });
});
