import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports this process handed out already: two fixtures asking at once never get the same one. */
const handedOut = new Set<number>();

/** The lowest port a fixture's server gets: above the well-known and registered services we know of. */
const LOWEST = 10_000;

/** Redis Cluster's bus port is the client port + 10 000. */
const BUS_OFFSET = 10_000;

/**
 * Ports are split among Jest workers by residue: worker `w` only takes ports `p` with
 * `p % SLICES === w % SLICES`, so two workers of one run never pick the same port, not even
 * between a server's kill and its restart on that port. SLICES divides BUS_OFFSET, so a cluster
 * port and its bus port fall in the same worker's slice.
 */
const SLICES = 16;

/** The kernel's range for the local ports of outgoing connections (and of `listen(0)`). */
export function ephemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low!, high: high! };
  } catch {
    // No /proc (macOS): the IANA dynamic range, which BSD-derived kernels use.
  }
  return { low: 49_152, high: 65_535 };
}

/**
 * The ports fixtures pick from: below the ephemeral range. A server on an ephemeral port can lose
 * it, between a kill and a restart on the same port, to any outgoing connection's local port or
 * `listen(0)`, including a reconnecting client's to that very port: on Linux a connect to a
 * closed local port in the ephemeral range now and then connects the socket to itself (TCP
 * simultaneous open), and that socket holds the port until the client gives up on it. A CI run
 * lost a restart's bind ("Address already in use").
 */
const { low: EPHEMERAL_LOW } = ephemeralRange();
const HIGHEST = EPHEMERAL_LOW - 1;

/** This process's slice (see SLICES); processes outside Jest share slice 0. */
const slice = Number(process.env['JEST_WORKER_ID'] ?? 0) % SLICES;

/** Whether `port` can be bound on 127.0.0.1 right now; the bound port, or undefined. */
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

/** Whether every one of `ports` can be bound on 127.0.0.1 right now. */
async function allFree(ports: number[]): Promise<boolean> {
  for (const port of ports) if ((await canListen(port)) === undefined) return false;
  return true;
}

/** A random port of this process's slice in [low, high], or undefined when the slice is empty there. */
function randomInSlice(low: number, high: number): number | undefined {
  const first = low + ((slice - (low % SLICES) + SLICES) % SLICES);
  if (first > high) return undefined;
  const count = Math.floor((high - first) / SLICES) + 1;
  return first + SLICES * Math.floor(Math.random() * count);
}

/** At most this many ports tried before falling back to one the kernel picks. */
const TRIES = 200;

/**
 * A free port of this process's slice in [low, high] whose every `port + offset` is free as
 * well; undefined when none was found.
 */
async function pick(low: number, high: number, offsets: number[]): Promise<number | undefined> {
  for (let i = 0; i < TRIES; i++) {
    const port = randomInSlice(low, high);
    if (port === undefined) return undefined;
    const ports = offsets.map((offset) => port + offset);
    if (ports.some((each) => handedOut.has(each)) || !(await allFree(ports))) continue;
    for (const each of ports) handedOut.add(each);
    return port;
  }
  return undefined;
}

/**
 * A loopback port nobody listens on, below the ephemeral range and in this Jest worker's slice.
 * Another process (another test run on the machine) may still take it before the caller binds
 * it; the Redis fixtures retry with a new port when their server cannot bind. Where the kernel
 * leaves no room below its ephemeral range, a port it picks.
 */
export async function freePort(): Promise<number> {
  const port = await pick(LOWEST, HIGHEST, [0]);
  if (port !== undefined) return port;
  for (;;) {
    const kernel = await canListen(0);
    if (kernel === undefined) throw new Error('could not bind any loopback port');
    if (handedOut.has(kernel)) continue;
    handedOut.add(kernel);
    return kernel;
  }
}

/** A free port whose Redis Cluster bus port (port + 10000) is free as well, both below the ephemeral range. */
export async function freeClusterPort(): Promise<number> {
  const port = await pick(LOWEST, HIGHEST - BUS_OFFSET, [0, BUS_OFFSET]);
  if (port !== undefined) return port;
  for (;;) {
    const kernel = await freePort();
    if (kernel + BUS_OFFSET <= 65_535 && (await canListen(kernel + BUS_OFFSET)) !== undefined) {
      return kernel;
    }
  }
}
