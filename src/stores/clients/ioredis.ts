import { LockStoreError } from '../../engine/errors';
import { IoredisClusterSubscriber } from './ioredis-cluster-subscriber';
import { IoredisSubscriber, type IoredisConnection } from './ioredis-subscriber';
import { isNoScript } from './eval-sha';
import { keySlot } from './key-slot';
import type { PortSubscriber, RedisPort, ScriptCall } from './redis-port';
import { WriteBatch, type Corkable } from './write-batch';

/**
 * An ioredis `Redis` or `Cluster` (5 or 6), as far as lockwarden needs to recognise one. Structural,
 * so that neither ioredis nor its types are loaded unless the user has them.
 */
export interface IoredisClient {
  /** `true` on a `Cluster`; missing on ioredis-mock. */
  readonly isCluster?: boolean;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  duplicate(...args: never[]): unknown;
  pipeline(...args: never[]): unknown;
}

type Scripted = Record<string, ((...args: Array<string | number>) => Promise<unknown>) | undefined>;

interface IoredisPipeline {
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** What the adapter uses of an ioredis `Cluster`. */
export interface IoredisCluster {
  readonly slots: string[][];
  nodes(role: 'master'): IoredisConnection[];
  refreshSlotsCache(callback?: (error?: Error | null) => void): void;
}

/** The port over an ioredis `Redis` or `Cluster`. */
export class IoredisPort implements RedisPort {
  readonly kind = 'ioredis';
  readonly cluster: boolean;
  readonly #client: IoredisClient;
  readonly #names = new Map<string, string>();
  /** Per script (by SHA), the sockets it was sent over as `EVAL`, so Redis knows it there. */
  readonly #loaded = new Map<string, WeakSet<object>>();
  /** Script calls made in one go on a busy connection leave in one socket write. */
  readonly #writes = new WriteBatch();

  constructor(client: IoredisClient) {
    this.#client = client;
    // ioredis-mock, a common stand-in in tests, has no isCluster.
    this.cluster = client.isCluster === true;
  }

  /**
   * One script call. On a single ready connection (not a cluster, not ioredis-mock) a plain
   * `EVAL` the first time a script goes over the current socket (that also loads it) and
   * `EVALSHA` after it, as ioredis' own script commands do, so calls reach Redis in the order they
   * were made: an acquire's late grant given back by the next call on the connection is given
   * back after it was made. Not through `defineCommand`: its command class per script, with a
   * closure and a second promise per call, cost ~1.5 µs of client CPU per call, a tenth of a
   * whole acquire + release. `EVALSHA` answered by NOSCRIPT (the server lost its scripts without
   * the socket closing: `SCRIPT FLUSH`, a failover behind a proxy) is sent again as `EVAL`. On a
   * connection with many calls awaiting replies, calls made in one go share a socket write
   * (`WriteBatch`).
   */
  run(call: ScriptCall): Promise<unknown> {
    const connection = this.#client as { status?: string; stream?: unknown };
    // Connecting or reconnecting: the command waits in ioredis' queue, and only ioredis knows
    // which socket it will go over, so its own script command decides EVAL or EVALSHA.
    if (this.cluster || connection.status !== 'ready') return this.#runDefined(call);
    const stream = connection.stream;
    if (typeof stream !== 'object' || stream === null) return this.#runDefined(call);
    // ioredis keeps the commands awaiting replies in `commandQueue` (public in its types).
    const waiting = (this.#client as { commandQueue?: { length?: unknown } }).commandQueue?.length;
    if (typeof waiting === 'number' && typeof (stream as Partial<Corkable>).cork === 'function') {
      this.#writes.add(stream as Corkable, waiting);
    }
    const client = this.#client as unknown as Scripted;
    const { script, keys, args } = call;
    let sockets = this.#loaded.get(script.sha);
    if (!sockets) {
      sockets = new WeakSet();
      this.#loaded.set(script.sha, sockets);
    }
    if (!sockets.has(stream)) {
      sockets.add(stream);
      return client['eval']!(script.source, keys.length, ...keys, ...args);
    }
    return client['evalsha']!(script.sha, keys.length, ...keys, ...args).then(
      undefined,
      (error: unknown) => {
        if (!isNoScript(error)) throw error;
        return client['eval']!(script.source, keys.length, ...keys, ...args);
      },
    );
  }

  /** Through `defineCommand` (a cluster routes it per key and loads the script per node). */
  #runDefined(call: ScriptCall): Promise<unknown> {
    const fn = (this.#client as unknown as Scripted)[this.#register(call)]!;
    return fn.call(this.#client, ...call.keys, ...call.args);
  }

  async batch(calls: readonly ScriptCall[]): Promise<unknown[]> {
    // Registered before any pipeline is made: a pipeline copies the client's commands.
    const names = calls.map((call) => this.#register(call));
    const results: unknown[] = new Array<unknown>(calls.length);
    // A cluster pipeline must stay within one node: one pipeline per node, all at once.
    const groups = new Map<string, number[]>();
    calls.forEach((call, i) => {
      const node = this.cluster ? this.#nodeOf(call.keys[0]) : '';
      groups.set(node, [...(groups.get(node) ?? []), i]);
    });
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const pipeline = this.#client.pipeline() as IoredisPipeline & Scripted;
        for (const i of indexes) {
          const call = calls[i] as ScriptCall;
          void pipeline[names[i]!]!.call(pipeline, ...call.keys, ...call.args);
        }
        try {
          const replies = (await pipeline.exec()) ?? [];
          indexes.forEach((index, j) => {
            const [error, reply] = replies[j] ?? [new LockStoreError('no reply'), undefined];
            results[index] = error ?? reply;
          });
        } catch (error) {
          for (const index of indexes) results[index] = toError(error);
        }
      }),
    );
    return results;
  }

  async info(section: string): Promise<string[]> {
    const masters = this.cluster ? (this.#client as unknown as IoredisCluster).nodes('master') : [];
    const nodes = masters.length > 0 ? masters : [this.#client as unknown as IoredisConnection];
    return Promise.all(nodes.map((node) => node.info(section)));
  }

  subscriber(onMessage: (channel: string, message: string) => void): PortSubscriber {
    return this.cluster
      ? new IoredisClusterSubscriber(this.#client as unknown as IoredisCluster, onMessage)
      : new IoredisSubscriber(this.#client as unknown as IoredisConnection, onMessage);
  }

  async close(): Promise<void> {
    // Subscribers are closed by their owner; the user's client is never closed here.
  }

  /**
   * Register the call's script on the client once per number of keys (`defineCommand`: EVALSHA
   * with the NOSCRIPT fallback, also in pipelines), and name the method to call. A fixed number
   * of keys, because ioredis-mock, a common stand-in in tests, knows no other form.
   */
  #register(call: ScriptCall): string {
    const { script } = call;
    const id = `${script.sha}:${call.keys.length}`;
    let name = this.#names.get(id);
    if (name) return name;
    // Named by content: on a client shared with another copy of lockwarden, a different script
    // never hides behind the same name. defineCommand adds a method to the user's client.
    name = `lockwarden_${script.name}_${script.sha.slice(0, 12)}_${call.keys.length}`;
    const scripted = this.#client as unknown as Scripted;
    if (typeof scripted[name] !== 'function') {
      this.#client.defineCommand(name, { lua: script.source, numberOfKeys: call.keys.length });
    }
    this.#names.set(id, name);
    return name;
  }

  #nodeOf(key: string | undefined): string {
    if (key === undefined) return '';
    return (this.#client as unknown as IoredisCluster).slots[keySlot(key)]?.[0] ?? '';
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new LockStoreError(String(error));
}
