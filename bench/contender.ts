/**
 * What the harness needs from a lock implementation, so that every library is measured through
 * the same calls. A contender is one file in `bench/contenders/` that exports definitions built
 * on this interface (see bench/README.md, "Adding a contender").
 */
import type { ClientKind } from './clients/client-kind';

/** The scenarios, by id (also what `--scenarios` takes). */
export const SCENARIO_IDS = [
  'sequential',
  'throughput',
  'hot-key',
  'crash',
  'held',
  'decorator',
  'engine',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** The scenarios every lock takes part in unless its definition says otherwise. */
export const LOCK_SCENARIOS: readonly ScenarioId[] = [
  'sequential',
  'throughput',
  'hot-key',
  'crash',
  'held',
];

/** Where waiting matters, so a tuned retry delay can change the result. */
export const WAITING_SCENARIOS: readonly ScenarioId[] = ['hot-key', 'crash'];

/** How one lock is taken. */
export interface LockSpec {
  /** Time to live in ms. */
  ttl: number;
  /**
   * `true`: renewed while held (with the library's own mechanism, or a timer at `ttl / 3` where
   * it has none); `false`: never renewed; `undefined`: whatever the library does by default.
   */
  autoExtend?: boolean;
}

/** A lock the contender holds. */
export interface Held {
  /** Its answer is ignored (a library's own handle fits as is, with no wrapper per lock). */
  release(): Promise<unknown>;
}

export interface Contender {
  /** Take the lock on `key`, waiting by the library's own retry policy; rejects when it gives up. */
  acquire(key: string, spec: LockSpec): Promise<Held>;
  /** The Redis key whose expiry ends the lock on `key` (the crash scenario reads it). */
  storageKey(key: string): string;
  /** Release what the contender opened. */
  close(): Promise<void>;
}

/** Connections for a contender, of its client kind; their commands are counted. */
export interface ContenderContext<Client> {
  connect(): Promise<Client>;
  disconnect(client: Client): Promise<void>;
}

export type ContenderGroup = 'calibration' | 'floor' | 'lockwarden' | 'peer' | 'sanity';

export interface ContenderDefinition<Client = unknown> {
  /** What `--contenders` takes and the JSON names it by, e.g. `redlock4-10ms`. */
  readonly id: string;
  /** Row label in tables and the chart. */
  readonly label: string;
  readonly group: ContenderGroup;
  /** The client library it talks to Redis through. */
  readonly clientKind: ClientKind<Client>;
  /** npm packages whose installed versions the report lists. */
  readonly packages: readonly string[];
  /** Settings that differ from the library's defaults, shown under the tables. */
  readonly note?: string;
  /** @default LOCK_SCENARIOS */
  readonly scenarios?: readonly ScenarioId[];
  /** Run only when named in `--contenders` (the sanity checks). */
  readonly hidden?: boolean;
  // Method syntax on purpose: a definition for one client type must fit a list of any.
  create(context: ContenderContext<Client>): Promise<Contender>;
}

/** The retry settings of the "tuned" variant of a peer. */
export interface TunedRetry {
  /** ms between attempts. */
  delay: number;
  /** ± ms of random jitter. */
  jitter: number;
  /** Attempts, so that a waiter waits about as long as the others (10 s). */
  attempts: number;
}

export const TUNED_RETRY: TunedRetry = { delay: 10, jitter: 5, attempts: 1_000 };

/**
 * A peer with its defaults, and the same peer retrying every 10 ms (only where waiting happens:
 * uncontended paths never retry, so the second row would repeat the first).
 */
export function withTunedRetry<Client>(
  base: Omit<ContenderDefinition<Client>, 'create' | 'scenarios' | 'note'>,
  create: (context: ContenderContext<Client>, retry?: TunedRetry) => Promise<Contender>,
): Array<ContenderDefinition<Client>> {
  return [
    { ...base, create: (context) => create(context) },
    {
      ...base,
      id: `${base.id}-10ms`,
      label: `${base.label} (10 ms)`,
      note: `retry every ${TUNED_RETRY.delay} ± ${TUNED_RETRY.jitter} ms, up to ${TUNED_RETRY.attempts} attempts`,
      scenarios: WAITING_SCENARIOS,
      create: (context) => create(context, TUNED_RETRY),
    },
  ];
}

/**
 * Renew a held lock every `ttl / 3` for libraries without auto-extension, the way a user of
 * such a library would; `renew` failures are ignored (the held-locks scenario checks which keys
 * survived instead).
 */
export function renewEvery(ttl: number, renew: () => Promise<unknown>): () => void {
  const timer = setInterval(() => void renew().catch(() => undefined), Math.floor(ttl / 3));
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A lock held for as long as a callback runs (`@Locked` methods, redlock's `using`), turned into
 * acquire/release: resolves when `body` starts; `release` lets it return and waits until the
 * library has released. A rejection before `body` starts is a failed acquisition.
 */
export function holdWhile(run: (body: () => Promise<void>) => Promise<unknown>): Promise<Held> {
  return new Promise<Held>((resolve, reject) => {
    const done = run(
      () =>
        new Promise<void>((end) =>
          resolve({
            release: async () => {
              end();
              await done;
            },
          }),
        ),
    );
    done.catch(reject);
  });
}
