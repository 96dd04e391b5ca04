import RedisMock from 'ioredis-mock';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RedisLockStore } from '../../../src';
import { DEFAULT_FENCE_GRACE, DEFAULT_WAITER_TTL } from '../../../src/stores/lock-store';

// Fast checks of the Lua scripts' logic on ioredis-mock; the real server runs the same scripts
// in the integration contract suite.
describe('RedisLockStore scripts (ioredis-mock)', () => {
  let redis: InstanceType<typeof RedisMock>;
  let store: RedisLockStore;

  beforeEach(async () => {
    redis = new RedisMock();
    await redis.flushall();
    store = new RedisLockStore(redis);
  });
  afterEach(async () => {
    await store.close();
    redis.disconnect();
  });

  it('stores owner, fence and metadata in one hash with the ttl', async () => {
    const result = await store.acquire('lw:{a}', 'owner-1', 5_000, { metadata: 'host:1' });
    expect(result.acquired).toBe(true);
    expect(await redis.hgetall('lw:{a}')).toEqual({
      o: 'owner-1',
      f: String(result.acquired && result.fence),
      m: 'host:1',
    });
    expect(await redis.pttl('lw:{a}')).toBeGreaterThan(4_000);
    expect(await redis.get('lw:{a}:fence')).toBe(String(result.acquired && result.fence));
    expect(await redis.pttl('lw:{a}:fence')).toBeGreaterThan(60_000);
  });

  it('bumps the fence past a remembered last fence that is ahead of the clock', async () => {
    await redis.set('lw:{a}:fence', '9000000000000000');
    expect(await store.acquire('lw:{a}', 'o', 1_000)).toEqual({
      acquired: true,
      fence: 9000000000000001,
    });
    expect(await redis.get('lw:{a}:fence')).toBe('9000000000000001');
  });

  it('uses the server clock in microseconds when no fence is remembered', async () => {
    const before = Date.now() * 1000;
    const result = await store.acquire('lw:{a}', 'o', 1_000);
    expect(result.acquired && result.fence).toBeGreaterThanOrEqual(before - 1_000_000);
    expect(result.acquired && Number.isSafeInteger(result.fence)).toBe(true);
  });

  it('renew resets the ttl of the lock and of the fence key, only for the owner', async () => {
    await store.acquire('lw:{a}', 'o', 1_000);
    expect(await store.renew('lw:{a}', 'intruder', 50_000)).toBe(false);
    expect(await redis.pttl('lw:{a}')).toBeLessThanOrEqual(1_000);
    expect(await store.renew('lw:{a}', 'o', 50_000)).toBe(true);
    expect(await redis.pttl('lw:{a}')).toBeGreaterThan(40_000);
    expect(await redis.pttl('lw:{a}:fence')).toBeGreaterThan(100_000);
  });

  it('release deletes only the lock key, keeps the fence key, and publishes', async () => {
    await store.acquire('lw:{a}', 'o', 1_000);
    const sub = redis.duplicate();
    const messages: string[] = [];
    sub.on('message', (channel: string) => messages.push(channel));
    await sub.subscribe('lw:{a}:rel');
    expect(await store.release('lw:{a}', 'not-me')).toBe(false);
    expect(await redis.exists('lw:{a}')).toBe(1);
    expect(await store.release('lw:{a}', 'o')).toBe(true);
    expect(await redis.exists('lw:{a}')).toBe(0);
    expect(await redis.exists('lw:{a}:fence')).toBe(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(messages).toEqual(['lw:{a}:rel']);
    sub.disconnect();
  });

  it('inspect never returns the owner and returns null for a free key', async () => {
    await store.acquire('lw:{a}', 'secret-owner', 1_000);
    const info = await store.inspect('lw:{a}');
    expect(info).toEqual({
      ttl: expect.any(Number) as number,
      fence: expect.any(Number) as number,
      holds: 1,
      metadata: '',
    });
    expect(JSON.stringify(info)).not.toContain('secret-owner');
    expect(await store.inspect('lw:{b}')).toBeNull();
  });

  it('force-release deletes whatever holds the key', async () => {
    await store.acquire('lw:{a}', 'o', 1_000);
    expect(await store.forceRelease('lw:{a}')).toBe(true);
    expect(await store.forceRelease('lw:{a}')).toBe(false);
  });

  it('renewMany renews several locks in one renew-many call, one result per lock', async () => {
    await store.acquire('lw:{a}', 'o', 1_000);
    await store.acquire('lw:{b}', 'o', 1_000);
    expect(
      await store.renewMany([
        { key: 'lw:{a}', owner: 'o', ttl: 9_000 },
        { key: 'lw:{b}', owner: 'x', ttl: 9_000 },
        { key: 'lw:{c}', owner: 'o', ttl: 9_000 },
      ]),
    ).toEqual([true, false, false]);
  });

  it('applies the defaults of the arguments a usual call leaves out', async () => {
    // No metadata, default fence grace, plain mode: the store sends owner and ttl only.
    const result = await store.acquire('lw:{a}', 'o', 5_000);
    expect(await redis.hgetall('lw:{a}')).toEqual({
      o: 'o',
      f: String(result.acquired && result.fence),
      m: '',
    });
    expect(await redis.pttl('lw:{a}:fence')).toBeGreaterThan(60_000);
    // A store with its own grace sends every argument, and the script uses it.
    const short = new RedisLockStore(redis, { fenceGrace: 1_000 });
    await short.acquire('lw:{b}', 'o', 5_000);
    expect(await redis.pttl('lw:{b}:fence')).toBeLessThanOrEqual(6_000);
    await short.close();
  });

  it('registers its scripts once per client', async () => {
    const spy = jest.spyOn(redis, 'defineCommand');
    const again = new RedisLockStore(redis);
    expect(spy).not.toHaveBeenCalled();
    await again.close();
  });
});

describe('Lua script files', () => {
  const dir = join(__dirname, '../../../src/stores/lua');
  const files = readdirSync(dir).filter((f) => f.endsWith('.lua'));

  it("default the arguments a caller leaves out to the store's own defaults", () => {
    const defaults = readFileSync(join(dir, 'include/defaults.lua'), 'utf8');
    const value = (name: string): number =>
      Number(new RegExp(`^local ${name} = (\\d+)$`, 'm').exec(defaults)?.[1]);
    expect(value('DEFAULT_FENCE_GRACE')).toBe(DEFAULT_FENCE_GRACE);
    expect(value('DEFAULT_WAITER_TTL')).toBe(DEFAULT_WAITER_TTL);
  });

  it.each(files)(
    '%s opens with what it returns, then names each KEYS / ARGV entry once',
    (file) => {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n');
      const comment = lines.slice(
        0,
        lines.findIndex((line) => !line.startsWith('--')),
      );
      expect(comment.join('\n')).toMatch(/Returns/);
      // After the comment and the includes: one `local name = KEYS[n]` / `ARGV[n]` line per entry.
      const rest = lines.slice(comment.length);
      const top = rest.slice(
        0,
        rest.findIndex(
          (line) => !/^(local \w+ = (tonumber\()?(KEYS|ARGV)\[\d+\]|\s+--)/.test(line),
        ),
      );
      const named = top.join('\n').match(/(KEYS|ARGV)\[\d+\]/g) ?? [];
      const used = rest.join('\n').match(/(KEYS|ARGV)\[\d+\]/g) ?? [];
      if (!used.some((entry) => entry.startsWith('KEYS'))) {
        // Keyless or variadic (renew-many): the header itself states the KEYS and ARGV layout.
        expect(comment.join('\n')).toMatch(/^-- KEYS/m);
        expect(comment.join('\n')).toMatch(/^-- ARGV/m);
        return;
      }
      expect(named).toContain('KEYS[1]');
      expect(new Set(named).size).toBe(named.length);
      expect(used).toEqual(named);
    },
  );
});
