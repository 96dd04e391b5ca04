import { processAlive } from '../../support/process-alive';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { startRedisMasters, type RedisMasters } from '../../support/redis/redis-masters';

describeWithLocalRedis('startRedisMasters (independent servers for a quorum store)', () => {
  let masters: RedisMasters;

  beforeAll(async () => {
    const startedAt = Date.now();
    masters = await startRedisMasters(5);
    console.log(`startRedisMasters: 5 servers answering in ${Date.now() - startedAt} ms`);
  }, 30_000);

  it('starts 5 servers on their own ports and PIDs, each with its own data', async () => {
    expect(new Set(masters.servers.map((server) => server.port)).size).toBe(5);
    expect(new Set(masters.servers.map((server) => server.pid)).size).toBe(5);
    const clients = masters.clients();
    await clients[0]!.set('only-on-0', 'x');
    expect(await Promise.all(clients.map((client) => client.exists('only-on-0')))).toEqual([
      1, 0, 0, 0, 0,
    ]);
    for (const client of clients) expect(((await client.role()) as string[])[0]).toBe('master');
  });

  it('pause(i) stops one server from answering until resume(i); the others keep answering', async () => {
    const clients = masters.clients();
    await clients[1]!.set('kept', 'yes');
    await masters.pause(1);
    let answered = false;
    const pending = clients[1]!.get('kept').then((value) => {
      answered = true;
      return value;
    });
    // The others answer a full round trip while the paused one has not.
    for (const i of [0, 2, 3, 4]) expect(await clients[i]!.ping()).toBe('PONG');
    expect(answered).toBe(false);
    await masters.resume(1);
    expect(await pending).toBe('yes');
  });

  it('kill(i) ends one server by PID; the others keep answering', async () => {
    const pid = masters.servers[4]!.pid!;
    await masters.kill(4);
    expect(processAlive(pid)).toBe(false);
    expect(masters.servers[4]!.running).toBe(false);
    const clients = masters.clients({ maxRetriesPerRequest: 0, retryStrategy: () => null });
    await expect(clients[4]!.ping()).rejects.toThrow();
    for (const i of [0, 1, 2, 3]) expect(await clients[i]!.ping()).toBe('PONG');
  });

  it('stop() ends every server, a paused one too', async () => {
    await masters.pause(2);
    const pids = masters.servers.map((server) => server.pid!);
    await masters.stop();
    expect(pids.filter(processAlive)).toEqual([]);
  });
});
