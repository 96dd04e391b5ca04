import { createServer } from 'node:net';

/** Ports this process handed out already: two fixtures asking at once never get the same one. */
const handedOut = new Set<number>();

/** Whether `port` can be bound on 127.0.0.1 right now. */
function canListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A loopback port nobody listens on. Another process may still take it before the caller binds
 * it; the Redis fixtures retry with a new port when their server cannot bind.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await canListen(0);
    if (port === undefined) throw new Error('could not bind any loopback port');
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** A free port whose Redis Cluster bus port (port + 10000) is free as well. */
export async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await canListen(port + 10_000)) !== undefined) return port;
  }
}
