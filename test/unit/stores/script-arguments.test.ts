import { LockEngine, LockTimeoutError, RedisLockStore } from '../../../src';
import { fakeGlide } from '../../support/fake-glide';
import { recordingLogger } from '../../support/recording-logger';
import { waitUntil } from '../../support/wait-until';

/** The ARGV of the first script call over five keys (acquire, release): what follows the keys. */
function argvOf(commands: string[][]): string[] | undefined {
  const call = commands.find((args) => args[0] === 'EVALSHA' && args[2] === '5');
  return call?.slice(8);
}

// The scripts read a missing trailing argument as its default (include/defaults.lua), so the
// store leaves those out: shorter calls to build, send and parse. What the scripts then do with
// them is checked on ioredis-mock and on real servers.
describe('the arguments RedisLockStore sends its acquire and release scripts', () => {
  // A fair attempt (the only kind a grant can follow) and every release name the store's own
  // channel id (12 base64url characters; `id` below), where grants to its waiters are announced.
  const id: unknown = expect.stringMatching(/^[\w-]{12}$/);
  it.each([
    ['defaults', {}, ['owner', '5000']],
    ['fair', { fair: true }, ['owner', '5000', 'fair', '', id]],
    ['once', { once: true }, ['owner', '5000', 'once']],
    ['fair and once', { fair: true, once: true }, ['owner', '5000', 'once']],
    ['metadata', { metadata: 'host:1' }, ['owner', '5000', 'plain', 'host:1']],
    ['fair and metadata', { fair: true, metadata: 'h' }, ['owner', '5000', 'fair', 'h', id]],
    ['a waiter ttl', { waiterTtl: 500 }, ['owner', '5000', 'plain', '', '', '500']],
  ])('acquire with %s: trailing defaults left out', async (_name, options, argv) => {
    const { client, commands } = fakeGlide(0x070000, false);
    const store = new RedisLockStore(client);
    await store.acquire('lw:{k}', 'owner', 5_000, options);
    expect(argvOf(commands)).toEqual(argv);
  });

  it('acquire and release with a fence grace of its own send it', async () => {
    const { client, commands } = fakeGlide(0x070000, false);
    const store = new RedisLockStore(client, { fenceGrace: 1_000 });
    await store.acquire('lw:{k}', 'owner', 5_000);
    expect(argvOf(commands)).toEqual(['owner', '5000', 'plain', '', '', '2000', '1000']);
    commands.length = 0;
    await store.release('lw:{k}', 'owner');
    expect(argvOf(commands)).toEqual(['owner', id, '1000']);
  });

  it('one store names one channel id, another store another', async () => {
    const { client, commands } = fakeGlide(0x070000, false);
    const [a, b] = [new RedisLockStore(client), new RedisLockStore(client)];
    const idOf = async (store: RedisLockStore): Promise<string[]> => {
      commands.length = 0;
      await store.acquire('lw:{k}', 'owner', 5_000, { fair: true });
      const acquired = argvOf(commands)![4]!;
      commands.length = 0;
      await store.release('lw:{k}', 'owner');
      return [acquired, argvOf(commands)![1]!];
    };
    const [ofA, ofB] = [await idOf(a), await idOf(b)];
    expect(ofA[0]).toBe(ofA[1]);
    expect(ofB[0]).toBe(ofB[1]);
    expect(ofA[0]).not.toBe(ofB[0]);
  });

  it("an engine's usual acquire sends owner, ttl, mode, metadata and channel id; its release the owner and that id", async () => {
    const { client, commands } = fakeGlide(0x070000, false);
    const store = new RedisLockStore(client);
    // The fake's answer (1) is no grant, so the acquire waits; its first attempt is what counts.
    // The fake cannot subscribe; the engine says so in its log (kept here) and polls.
    const engine = new LockEngine({
      store,
      defaults: { metadata: 'web-1' },
      logger: recordingLogger(),
    });
    const waiting = engine.acquire('k', { ttl: 5_000, waitTimeout: 50 });
    const rejected = expect(waiting).rejects.toThrow(LockTimeoutError);
    await waitUntil('the first attempt', async () => argvOf(commands) !== undefined);
    // A waiting caller joins the store's queue with its first attempt (fair), so a release can
    // grant it the lock; a plain one marks its channel id '~' (a release may overtake it).
    const [token, ...rest] = argvOf(commands)!;
    expect(token).toMatch(/^[\w-]{22}$/);
    expect(rest).toEqual(['5000', 'fair', 'web-1', expect.stringMatching(/^~[\w-]{12}$/)]);
    await rejected;
    commands.length = 0;
    await store.release('lw:{k}', token!);
    // The release names the store's id, without the mark.
    expect(argvOf(commands)).toEqual([token, rest[3]!.slice(1)]);
    commands.length = 0;
    const fair = engine.acquire('k', { ttl: 5_000, waitTimeout: 50, fair: true });
    const fairRejected = expect(fair).rejects.toThrow(LockTimeoutError);
    await waitUntil('the fair attempt', async () => argvOf(commands) !== undefined);
    expect(argvOf(commands)!.slice(1)).toEqual(['5000', 'fair', 'web-1', rest[3]!.slice(1)]);
    await fairRejected;
    commands.length = 0;
    // A release that names a successor sends it last (after the defaults it cannot leave out).
    await store.release('lw:{k}', token!, { successor: 'next-token' });
    expect(argvOf(commands)).toEqual([token, rest[3]!.slice(1), '60000', 'classic', 'next-token']);
    await engine.close();
  });
});
