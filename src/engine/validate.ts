import { LockConfigError, LockKeyError } from './errors';

/** The longest key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** The longest `metadata`, in UTF-8 bytes. */
const MAX_METADATA_BYTES = 1024;
/** The longest `prefix`, in UTF-8 bytes. */
const MAX_PREFIX_BYTES = 128;

/** How one option is checked. */
export interface OptionCheck {
  /** What a given value must be: `option "<name>" must be <expected>, got <value>.` */
  readonly expected: string;
  /** Whether a given value is acceptable (never called with `undefined` unless `required`). */
  readonly valid: (value: unknown) => boolean;
  /** Checked when left out too; the message then says it must be this. */
  readonly required?: string;
  /** Checks of a valid value that have messages of their own (a nested spec, a template). */
  readonly then?: (where: string, value: unknown) => void;
}

/**
 * Everything one call site accepts, described once: the options (in the order messages list
 * them) and how each is checked. The "unknown option" message and its list come from here.
 */
export interface OptionSpec {
  readonly options: Readonly<Record<string, OptionCheck>>;
  /** The message (after `where: `) when the options are not an object; `got` describes them. */
  readonly notAnObject: (got: string) => string;
  /**
   * The rest of the message (after `unknown option "<name>".`) for a name the spec does not
   * know, or `undefined` to let it through untouched (options owned by someone else).
   * @default ` Known options: <the names of options>.`
   */
  readonly unknown?: (name: string, known: string) => string | undefined;
  /** Checks between options, run once each option passed its own. */
  readonly rules?: ReadonlyArray<
    (where: string, options: Readonly<Record<string, unknown>>) => void
  >;
}

/**
 * Check `value` against `spec` for the call site `where` (`LockEngine.acquire("orders:42")`,
 * `@Locked on Billing.charge`, ...) and return it as a record. Throws `LockConfigError` naming
 * `where` and the option: unknown names first, then each option in the spec's order, then its
 * rules. `undefined` values count as left out.
 */
export function checkOptions(
  where: string,
  value: unknown,
  spec: OptionSpec,
): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LockConfigError(`${where}: ${spec.notAnObject(describeValue(value))}`);
  }
  const options = value as Record<string, unknown>;
  const checks = spec.options;
  for (const name in options) {
    if (Object.hasOwn(checks, name) || !Object.hasOwn(options, name)) continue;
    const known = Object.keys(checks).join(', ');
    const rest = spec.unknown ? spec.unknown(name, known) : ` Known options: ${known}.`;
    if (rest !== undefined) throw new LockConfigError(`${where}: unknown option "${name}".${rest}`);
  }
  for (const name in checks) {
    const check = checks[name]!;
    const given = options[name];
    if (given === undefined) {
      if (check.required !== undefined) throw optionError(where, name, check.required, given);
      continue;
    }
    if (!check.valid(given)) throw optionError(where, name, check.expected, given);
    check.then?.(where, given);
  }
  if (spec.rules) for (const rule of spec.rules) rule(where, options);
  return options;
}

/** A short, log-safe rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 40
      ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`
      : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * The error for one bad option. `where` names the call site, e.g.
 * `LockEngine.acquire("orders:42")` or `@Locked on Billing.charge`, so the message says where
 * to change it.
 */
export function optionError(
  where: string,
  option: string,
  expected: string,
  value: unknown,
): LockConfigError {
  return new LockConfigError(
    `${where}: option "${option}" must be ${expected}, got ${describeValue(value)}.`,
  );
}

// The checks every spec is made of.

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** A plain object (not `null`, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const positiveMs: OptionCheck = {
  expected: 'a positive integer number of milliseconds',
  valid: (value) => isInteger(value) && value > 0,
};

export const nonNegativeMs: OptionCheck = {
  expected: 'an integer number of milliseconds >= 0',
  valid: (value) => isInteger(value) && value >= 0,
};

export const trueOrFalse: OptionCheck = {
  expected: 'true or false',
  valid: (value) => typeof value === 'boolean',
};

/** One of `values`; `expected` is how the message lists them. */
export function oneOf(values: readonly string[], expected: string): OptionCheck {
  return { expected, valid: (value) => typeof value === 'string' && values.includes(value) };
}

/** `onBusy`, narrowed to what the call can do. */
function busyPolicyOf(policies: readonly string[]): OptionCheck {
  return oneOf(policies, `one of ${policies.map((p) => `'${p}'`).join(', ')}`);
}

export const storeErrorPolicy = oneOf(['throw', 'run'], "'throw' or 'run'");

const metadataCheck: OptionCheck = {
  expected: `a string of at most ${MAX_METADATA_BYTES} bytes`,
  valid: (value) => typeof value === 'string' && Buffer.byteLength(value) <= MAX_METADATA_BYTES,
};

const autoExtendCheck: OptionCheck = {
  expected: 'true, false or { interval: <positive integer ms> }',
  valid: (value) =>
    typeof value === 'boolean' ||
    (isRecord(value) && isInteger(value['interval']) && value['interval'] > 0),
};

/** Every acquire option's check, in the order messages list them. */
export const acquireChecks = {
  ttl: positiveMs,
  waitTimeout: nonNegativeMs,
  retryCount: { expected: 'an integer >= 0', valid: (v) => isInteger(v) && v >= 0 },
  retryDelay: positiveMs,
  autoExtend: autoExtendCheck,
  onBusy: busyPolicyOf(['wait', 'throw', 'skip']),
  signal: { expected: 'an AbortSignal', valid: (v) => v instanceof AbortSignal },
  metadata: metadataCheck,
  fair: trueOrFalse,
  onStoreError: storeErrorPolicy,
  storeTimeout: positiveMs,
} satisfies Record<string, OptionCheck>;

/**
 * An `autoExtend.interval` given beside a `ttl` must be below it (the engine checks the merged
 * options again at call time, when its own defaults are known).
 */
export function intervalBelowTtl(where: string, options: Readonly<Record<string, unknown>>): void {
  const { ttl, autoExtend } = options;
  if (isInteger(ttl) && isRecord(autoExtend)) checkInterval(where, autoExtend['interval'], ttl);
}

/** The renewal period must leave the renewal time to arrive before the lock expires. */
export function checkInterval(where: string, interval: unknown, ttl: number): void {
  if (typeof interval === 'number' && interval >= ttl) {
    throw optionError(
      where,
      'autoExtend.interval',
      `less than ttl (${ttl} ms) so the lock is renewed before it expires`,
      interval,
    );
  }
}

/** Options of `withLock` (and of engine `defaults`). */
export const withLockSpec: OptionSpec = {
  options: acquireChecks,
  notAnObject: () => 'options must be an object.',
  rules: [intervalBelowTtl],
};

/** Options of `acquire` and `tryAcquire`: no `'skip'` (there is no function to skip). */
export const acquireSpec: OptionSpec = {
  ...withLockSpec,
  options: { ...acquireChecks, onBusy: busyPolicyOf(['wait', 'throw']) },
};

/** `defaults` of an engine (or a `LockModule` registration): acquire options for every call. */
export const defaultsCheck: OptionCheck = {
  expected: 'an object of acquire options',
  valid: isRecord,
  then: (where, defaults) => checkOptions(`${where} defaults`, defaults, withLockSpec),
};

const STORE_EXPECTED =
  'a LockStore (a RedisLockStore, a MemoryLockStore, or an object with acquire, renew, release, inspect and forceRelease)';
const STORE_METHODS = ['acquire', 'renew', 'release', 'inspect', 'forceRelease'];

export const storeCheck: OptionCheck = {
  expected: STORE_EXPECTED,
  valid: (value) => isRecord(value) && STORE_METHODS.every((m) => typeof value[m] === 'function'),
};

export const prefixCheck: OptionCheck = {
  expected: `a string of at most ${MAX_PREFIX_BYTES} bytes without "{" or "}"`,
  valid: (value) =>
    typeof value === 'string' &&
    !/[{}]/.test(value) &&
    Buffer.byteLength(value) <= MAX_PREFIX_BYTES,
};

/** Options of `new LockEngine()`. */
export const engineSpec: OptionSpec = {
  options: {
    store: { ...storeCheck, required: STORE_EXPECTED },
    prefix: prefixCheck,
    defaults: defaultsCheck,
    onStoreError: storeErrorPolicy,
    logger: {
      expected:
        'an object with warn(message) and error(message) functions (console, a Nest Logger, pino, ...)',
      valid: (v) =>
        isRecord(v) && typeof v['warn'] === 'function' && typeof v['error'] === 'function',
    },
    storeTimeout: positiveMs,
  },
  notAnObject: () => 'options must be an object with at least { store }.',
  rules: [
    (where, { storeTimeout, defaults }) => {
      const inDefaults = isRecord(defaults) ? defaults['storeTimeout'] : undefined;
      if (storeTimeout === undefined || inDefaults === undefined || inDefaults === storeTimeout) {
        return;
      }
      throw new LockConfigError(
        `${where}: storeTimeout is given twice (${describeValue(storeTimeout)}, and ${describeValue(inDefaults)} in defaults); give it once.`,
      );
    },
  ],
};

/** Options of `engine.claim()`: a claim never waits, retries or renews. */
export const claimSpec: OptionSpec = {
  options: {
    ttl: { ...positiveMs, required: 'given' },
    metadata: metadataCheck,
    storeTimeout: positiveMs,
  },
  notAnObject: (got) =>
    `options must be an object with the claim's ttl ({ ttl: <ms> }), got ${got}.`,
};

/** Options of `engine.close()`. */
export const closeSpec: OptionSpec = {
  options: { timeout: nonNegativeMs },
  notAnObject: (got) => `options must be an object such as { timeout: 10_000 }, got ${got}.`,
};

/** Check a lock key: a non-empty, well-formed string of at most {@link MAX_KEY_BYTES} bytes. */
export function validateKey(
  where: string,
  key: unknown,
  ErrorClass: typeof LockConfigError | typeof LockKeyError = LockConfigError,
): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ErrorClass(
      `${where}: the lock key must be a non-empty string, got ${describeValue(key)}.`,
    );
  }
  if (!(key as WellFormedCheck).isWellFormed()) {
    // Redis stores UTF-8, where every lone surrogate becomes U+FFFD: 'a\uD800' and 'a\uD801'
    // would be one lock.
    throw new LockKeyError(
      `${where}: the lock key ${describeValue(key)} is not well-formed UTF-16 (it contains a lone surrogate, which Redis would store as U+FFFD, merging it with other keys); build keys from whole characters, or escape raw values with escapeKeyValue().`,
    );
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short keys need no byte count.
  if (key.length * 3 <= MAX_KEY_BYTES) return;
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_KEY_BYTES) {
    throw new ErrorClass(
      `${where}: the lock key "${key.slice(0, 40)}…" is ${bytes} bytes; keys are limited to ${MAX_KEY_BYTES} bytes (hash long identifiers into the key).`,
    );
  }
}

/** `String.prototype.isWellFormed` (Node 20+; not in the ES2022 typings). */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** A non-empty string; `expected` is what the message asks for. */
export function nonEmptyString(expected: string): OptionCheck {
  return { expected, valid: (value) => typeof value === 'string' && value.length > 0 };
}
