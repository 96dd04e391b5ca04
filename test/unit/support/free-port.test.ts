import { createServer } from 'node:net';
import { ephemeralRange, freeClusterPort, freePort } from '../../support/redis/free-port';

const ephemeralLow = ephemeralRange().low;
const slice = Number(process.env['JEST_WORKER_ID'] ?? 0) % 16;

/** Bind `port` on 127.0.0.1 and let it go: rejects when it is taken. */
function bind(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

describe('free ports for the Redis fixtures', () => {
  it('are below the ephemeral range (no outgoing connection takes them), in this worker’s slice, never the same twice', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralLow);
      expect(port % 16).toBe(slice);
    }
    await Promise.all(ports.slice(0, 5).map(bind));
  });

  it('for a cluster node, leave its bus port (+ 10 000) free and out of the ephemeral range too', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freeClusterPort());
    // Neither a node's port nor its bus port is handed out again, as a node's or a server's (600
    // servers cover ~40 % of the slice, so a bus port handed out again would show).
    const others: number[] = [];
    for (let i = 0; i < 600; i++) others.push(await freePort());
    const all = [...ports, ...ports.map((port) => port + 10_000), ...others];
    expect(new Set(all).size).toBe(all.length);
    for (const port of ports) {
      expect(port + 10_000).toBeLessThan(ephemeralLow);
      expect(port % 16).toBe(slice);
      await bind(port + 10_000);
    }
  });
});
