import { LockStoreError } from '../engine/errors';
import type { PortSubscriber, PubSubMode, RedisPort } from './clients/redis-port';
import type { StoreGrant } from './lock-store';
import { redactError } from './redact-error';
import { parseReleaseMessage } from './redis-layout';

type Listener = (next: string | undefined, grant?: StoreGrant) => void;

/** How many grant messages are remembered to drop their second delivery. */
const DELIVERED_GRANTS = 256;

/** How long the subscriber connection stays open after its last subscription ends, in ms. */
export const SUBSCRIBER_LINGER_MS = 2_000;

/**
 * The release notifications of one store: listeners per channel, over one subscriber that exists
 * only while someone listens. It is opened by the first subscription and closed
 * {@link SUBSCRIBER_LINGER_MS} after the last one ends (sustained contention does not pay a
 * connection per wait, an idle process holds none, and an outage costs an idle process nothing).
 */
export class ReleaseSubscriptions {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #confirmed = new Map<string, { mode: PubSubMode; subscribed: Promise<void> }>();
  /**
   * Grant messages already delivered (`channel` + message): a grant made by this store's own
   * release reaches its listeners twice, with the release's reply and by pub/sub, in either
   * order; each grant is unique (its fence), so the second is dropped.
   */
  readonly #deliveredGrants = new Set<string>();
  #subscriber: PortSubscriber | undefined;
  #linger: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly port: RedisPort,
    private readonly modeOf: () => Promise<PubSubMode>,
    /**
     * `':' + channel id` of the store: a listener of `channel` also hears `channel + grantSuffix`,
     * where grants to this store's waiters are announced (`''`: no such channel).
     */
    private readonly grantSuffix = '',
    private readonly lingerMs = SUBSCRIBER_LINGER_MS,
  ) {}

  /** Whether the subscriber connection is open (for tests and diagnostics). */
  get open(): boolean {
    return this.#subscriber !== undefined;
  }

  /** Call `listener` on every release announced on `channel`, once the server confirms. */
  async add(channel: string, listener: Listener): Promise<() => void> {
    if (this.#closed) throw new LockStoreError('lockwarden: the RedisLockStore is closed');
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = undefined;
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
    }
    set.add(listener);
    let entry = this.#confirmed.get(channel);
    if (!entry) {
      const subscriber = this.#open();
      const mode = this.modeOf();
      const subscribed = mode.then(async (m) => {
        await Promise.all(this.#channelsOf(channel).map((c) => subscriber.subscribe(c, m)));
      });
      entry = { mode: 'classic', subscribed };
      const current = entry;
      void mode.then(
        (m) => (current.mode = m),
        () => undefined,
      );
      this.#confirmed.set(channel, entry);
    }
    try {
      await entry.subscribed;
    } catch (error) {
      if (this.#confirmed.get(channel) === entry) this.#confirmed.delete(channel);
      this.#remove(channel, listener);
      throw redactError(error, []);
    }
    return () => this.#remove(channel, listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#confirmed.clear();
    await this.#shut();
  }

  /**
   * The message a release by this store published, known from its reply: delivered now if it is
   * a grant (so a waiter in this process need not wait for the pub/sub trip), else left to
   * pub/sub. Returns whether a grant reached a listener here.
   */
  deliverReleased(channel: string, message: string): boolean {
    return message.includes(' ') && this.#deliver(channel, message);
  }

  /** Returns whether `message` reached a listener (false for a grant's second delivery). */
  #deliver(channel: string, message: string): boolean {
    const set = this.#listeners.get(channel);
    if (!set) return false;
    if (message.includes(' ')) {
      const id = `${channel} ${message}`;
      if (this.#deliveredGrants.delete(id)) return false;
      this.#deliveredGrants.add(id);
      if (this.#deliveredGrants.size > DELIVERED_GRANTS) {
        this.#deliveredGrants.delete(this.#deliveredGrants.values().next().value!);
      }
    }
    const { next, grant } = parseReleaseMessage(message);
    for (const listener of [...set]) listener(next, grant);
    return true;
  }

  #remove(channel: string, listener: Listener): void {
    const set = this.#listeners.get(channel);
    if (!set?.delete(listener) || set.size > 0) return;
    this.#listeners.delete(channel);
    const entry = this.#confirmed.get(channel);
    this.#confirmed.delete(channel);
    if (entry) {
      // Best effort: a stale subscription only costs ignored messages.
      for (const c of this.#channelsOf(channel)) {
        this.#subscriber?.unsubscribe(c, entry.mode).catch(() => undefined);
      }
    }
    if (this.#listeners.size === 0 && !this.#closed) {
      this.#linger = setTimeout(() => {
        this.#linger = undefined;
        if (this.#listeners.size === 0) void this.#shut();
      }, this.lingerMs);
      this.#linger.unref();
    }
  }

  /** What a listener of `channel` subscribes to: it, and this store's grant channel of it. */
  #channelsOf(channel: string): string[] {
    return this.grantSuffix ? [channel, channel + this.grantSuffix] : [channel];
  }

  #open(): PortSubscriber {
    const suffix = this.grantSuffix;
    this.#subscriber ??= this.port.subscriber((channel, message) => {
      this.#deliver(
        suffix && channel.endsWith(suffix) ? channel.slice(0, -suffix.length) : channel,
        message,
      );
    });
    return this.#subscriber;
  }

  async #shut(): Promise<void> {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = undefined;
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    await subscriber?.close().catch(() => undefined);
  }
}
