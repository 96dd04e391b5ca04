import { RedisLockStore } from '../../../src';
import { fakeGlide } from '../../support/fake-glide';

/**
 * The publish mode the store asked the release script for: its ARGV[4], which the script reads as
 * classic (PUBLISH) when the store leaves it out (see release.lua).
 */
function publishModeOf(commands: string[][]): string | undefined {
  // EVALSHA sha 5 <five keys> owner channel-id [fence grace, mode]: the one five-key call here.
  const release = commands.find((args) => args[0] === 'EVALSHA' && args[2] === '5');
  return release && (release[11] ?? 'classic');
}

/** The publish mode the store passed as the force-release script's last ARGV. */
function forceReleaseModeOf(commands: string[][]): string | undefined {
  const call = commands.find((args) => args[0] === 'EVALSHA' && args.includes('lw:{k}:rel'));
  return call?.at(-1);
}

describe('how releases are announced (sharded pub/sub on Redis >= 7 clusters)', () => {
  it.each([
    ['a Redis 7.0 cluster', 0x070000, true, 'sharded'],
    ['a Redis 7.2 cluster', 0x070200, true, 'sharded'],
    ['a Redis 6.2 cluster', 0x060200, true, 'classic'],
    ['a cluster before 7 without redis.REDIS_VERSION_NUM', 0, true, 'classic'],
  ])('on %s (version %i, cluster %s): %s', async (_name, version, cluster, mode) => {
    const { client, commands } = fakeGlide(version, cluster);
    const store = new RedisLockStore(client);
    expect(await store.release('lw:{k}', 'owner')).toBe(true);
    expect(await store.forceRelease('lw:{k}')).toBe(true);
    expect(publishModeOf(commands)).toBe(mode);
    expect(forceReleaseModeOf(commands)).toBe(mode);
    // Asked once per store.
    const asked = commands.filter((args) => args[0] === 'EVALSHA' && args.length === 3);
    expect(asked).toHaveLength(1);
  });

  it('on a single server: classic, without asking the version', async () => {
    const { client, commands } = fakeGlide(0x070000, false);
    const store = new RedisLockStore(client);
    expect(await store.release('lw:{k}', 'owner')).toBe(true);
    expect(publishModeOf(commands)).toBe('classic');
    expect(commands.filter((args) => args[0] === 'EVALSHA' && args.length === 3)).toEqual([]);
  });
});
