import { LockStoreError } from '../../engine/errors';
import { setTimeout as delay } from 'node:timers/promises';
import { evalSha } from './eval-sha';
import type { PortSubscriber, PubSubMode, RedisPort, ScriptCall } from './redis-port';

/**
 * A Valkey GLIDE (`@valkey/valkey-glide` 2.x) `GlideClient` or `GlideClusterClient`, as far as
 * lockwarden needs to recognise one. Structural, so that the package is never loaded by us.
 */
export interface GlideClient {
  invokeScript(...args: never[]): Promise<unknown>;
  customCommand(...args: never[]): Promise<unknown>;
  close(...args: never[]): unknown;
}

type Route =
  'allPrimaries' | { type: 'primarySlotKey'; key: string } | { type: 'primarySlotId'; id: number };

/** What the adapter uses of a GLIDE client. */
interface GlideConnection {
  customCommand(args: string[], options?: { route?: Route }): Promise<unknown>;
  subscribe(channels: Set<string>, timeoutMs: number): Promise<void>;
  unsubscribe(channels: Set<string>, timeoutMs: number): Promise<void>;
  ssubscribe?(channels: Set<string>, timeoutMs: number): Promise<void>;
  sunsubscribe?(channels: Set<string>, timeoutMs: number): Promise<void>;
  close(): void;
  /** The options the client was created with (a GLIDE field, private in its types). */
  readonly config?: Record<string, unknown>;
  readonly constructor: {
    createClient?(config: Record<string, unknown>): Promise<GlideConnection>;
  };
}

/** Whether `client` is a `GlideClusterClient` (only it has routed and sharded commands). */
export function isGlideCluster(client: GlideClient): boolean {
  return typeof (client as unknown as Record<string, unknown>)['ssubscribe'] === 'function';
}

/**
 * Reconnection of the subscriber client lockwarden creates: 100 ms doubling to 1.6 s (then
 * constant), with jitter; so a subscriber whose server is gone costs next to nothing.
 */
const SUBSCRIBER_BACKOFF = { numberOfRetries: 4, factor: 100, exponentBase: 2, jitterPercent: 20 };

/**
 * The port over Valkey GLIDE. Scripts go by raw EVALSHA (`customCommand`, routed to the primary
 * of the first key's slot), falling back to EVAL: `invokeScript` needs GLIDE's `Script` class,
 * which lockwarden could only get by importing the package. A batch is concurrent calls: GLIDE
 * multiplexes them on its connection to each node (its `Batch` class is also the package's).
 */
export class GlidePort implements RedisPort {
  readonly kind = 'glide';
  readonly cluster: boolean;
  readonly #client: GlideConnection;
  /** Scripts whose SCRIPT LOAD was sent (and did not fail). */
  readonly #loading = new Set<string>();
  /** Settles once every load sent so far has. */
  #allLoaded: Promise<unknown> = Promise.resolve();

  constructor(client: GlideClient) {
    this.#client = client as unknown as GlideConnection;
    this.cluster = isGlideCluster(client);
  }

  async run(call: ScriptCall): Promise<unknown> {
    await this.#loaded(call.script);
    const key = call.keys[0];
    // Scripts write, so they go to a primary: the key's, or slot 0's for a script without keys.
    const route: Route =
      key === undefined ? { type: 'primarySlotId', id: 0 } : { type: 'primarySlotKey', key };
    const options = this.cluster ? { route } : undefined;
    return evalSha((args) => this.#client.customCommand(args, options), call);
  }

  /**
   * SCRIPT LOAD on every primary before a script's first use: GLIDE logs a warning for every
   * NOSCRIPT answer (the EVAL fallback still covers a primary that joins or restarts later).
   * Resolves once this script and every script whose load started before it are loaded, so a
   * call never overtakes an earlier one that still waits for its script (an acquire overtaken by
   * the release that gives it back).
   */
  #loaded(script: ScriptCall['script']): Promise<unknown> {
    if (!this.#loading.has(script.sha)) {
      this.#loading.add(script.sha);
      const options = this.cluster ? { route: 'allPrimaries' as const } : undefined;
      const load = this.#client
        .customCommand(['SCRIPT', 'LOAD', script.source], options)
        .catch(() => this.#loading.delete(script.sha));
      this.#allLoaded = Promise.all([this.#allLoaded, load]);
    }
    return this.#allLoaded;
  }

  batch(calls: readonly ScriptCall[]): Promise<unknown[]> {
    return Promise.all(calls.map((call) => this.run(call).catch((error: unknown) => error)));
  }

  async info(section: string): Promise<string[]> {
    const options = this.cluster ? { route: 'allPrimaries' as const } : undefined;
    const reply = await this.#client.customCommand(['INFO', section], options);
    return replyPerNode(reply);
  }

  subscriber(onMessage: (channel: string, message: string) => void): PortSubscriber {
    return new GlideSubscriber(this.#client, onMessage);
  }

  async close(): Promise<void> {
    // Subscribers are closed by their owner; the user's client is never closed here.
  }
}

/**
 * A GLIDE client of lockwarden's own for release notifications, created from the user's
 * client's configuration with a message callback (GLIDE delivers messages to the callback given
 * at creation, or to a queue that the user's code may be reading, so subscribing on the user's
 * client would steal or lose messages). It subscribes dynamically (GLIDE 2), and GLIDE
 * reconnects and resubscribes it by itself.
 */
class GlideSubscriber implements PortSubscriber {
  #connection: Promise<GlideConnection> | undefined;
  readonly #channels = new Map<string, PubSubMode>();

  constructor(
    private readonly source: GlideConnection,
    private readonly onMessage: (channel: string, message: string) => void,
  ) {}

  async subscribe(channel: string, mode: PubSubMode): Promise<void> {
    const connection = await this.#open();
    const channels = new Set([channel]);
    this.#channels.set(channel, mode);
    // 0: until confirmed; the engine bounds the wait with storeTimeout.
    if (mode === 'sharded') await connection.ssubscribe!(channels, 0);
    else await connection.subscribe(channels, 0);
  }

  async unsubscribe(channel: string, mode: PubSubMode): Promise<void> {
    this.#channels.delete(channel);
    const connection = await this.#connection?.catch(() => undefined);
    if (!connection) return;
    const channels = new Set([channel]);
    if (mode === 'sharded') await connection.sunsubscribe!(channels, 0);
    else await connection.unsubscribe(channels, 0);
  }

  async close(): Promise<void> {
    // Unsubscribed first: closed with subscriptions, GLIDE logs an error from its resubscriber.
    const channels = [...this.#channels];
    await Promise.all(
      channels.map(([channel, mode]) =>
        Promise.race([
          this.unsubscribe(channel, mode),
          delay(1_000, undefined, { ref: false }),
        ]).catch(() => undefined),
      ),
    );
    const pending = this.#connection;
    this.#connection = undefined;
    (await pending?.catch(() => undefined))?.close();
  }

  #open(): Promise<GlideConnection> {
    this.#connection ??= this.#create().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #create(): Promise<GlideConnection> {
    const config = this.source.config;
    const factory = this.source.constructor;
    if (!config || typeof factory.createClient !== 'function') {
      throw new LockStoreError(
        'lockwarden: this Valkey GLIDE client does not expose its configuration, so no subscriber can be created for release notifications (waiters poll instead)',
      );
    }
    return factory.createClient({
      ...config,
      connectionBackoff: SUBSCRIBER_BACKOFF,
      pubsubSubscriptions: {
        channelsAndPatterns: {},
        callback: (message: { channel: unknown; message: unknown }) =>
          this.onMessage(String(message.channel), String(message.message)),
      },
    });
  }
}

/** An INFO reply as one string per node: GLIDE answers a multi-node route with a record. */
function replyPerNode(reply: unknown): string[] {
  if (typeof reply === 'string') return [reply];
  if (Array.isArray(reply)) {
    return reply.map((entry: unknown) =>
      String(typeof entry === 'object' && entry !== null && 'value' in entry ? entry.value : entry),
    );
  }
  if (typeof reply === 'object' && reply !== null) return Object.values(reply).map(String);
  return [String(reply)];
}
