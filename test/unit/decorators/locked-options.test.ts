import {
  configureLocks,
  Locked,
  LockConfigError,
  LockEngine,
  MemoryLockStore,
  unregisterLockEngine,
  type LockedOptions,
} from '../../../src';
import { thrownBy } from '../../support/thrown-by';

/** Define `class Billing { @Locked(options) async charge(invoice) {} }` and return the error. */
function chargeError(options: unknown): Error {
  return thrownBy(() => {
    class Billing {
      @Locked(options as LockedOptions<unknown[], 'wait'>)
      async charge(invoice: { id: string }): Promise<string> {
        return invoice.id;
      }
    }
    return Billing;
  });
}

const at = '@Locked on Billing.charge';
const KNOWN =
  'ttl, waitTimeout, retryCount, retryDelay, autoExtend, onBusy, signal, metadata, fair, onStoreError, storeTimeout, key, engine';

describe('@Locked options are checked when the class is defined', () => {
  it.each<[string, unknown, string]>([
    [
      'ttl -1',
      { ttl: -1 },
      `${at}: option "ttl" must be a positive integer number of milliseconds, got -1.`,
    ],
    [
      'ttl 0',
      { ttl: 0 },
      `${at}: option "ttl" must be a positive integer number of milliseconds, got 0.`,
    ],
    [
      'ttl NaN',
      { ttl: Number.NaN },
      `${at}: option "ttl" must be a positive integer number of milliseconds, got NaN.`,
    ],
    [
      'ttl 1.5',
      { ttl: 1.5 },
      `${at}: option "ttl" must be a positive integer number of milliseconds, got 1.5.`,
    ],
    [
      'ttl "5s"',
      { ttl: '5s' },
      `${at}: option "ttl" must be a positive integer number of milliseconds, got "5s".`,
    ],
    [
      'waitTimeout -1',
      { waitTimeout: -1 },
      `${at}: option "waitTimeout" must be an integer number of milliseconds >= 0, got -1.`,
    ],
    [
      'retryCount -1',
      { retryCount: -1 },
      `${at}: option "retryCount" must be an integer >= 0, got -1.`,
    ],
    [
      'retryDelay 0',
      { retryDelay: 0 },
      `${at}: option "retryDelay" must be a positive integer number of milliseconds, got 0.`,
    ],
    [
      'autoExtend "yes"',
      { autoExtend: 'yes' },
      `${at}: option "autoExtend" must be true, false or { interval: <positive integer ms> }, got "yes".`,
    ],
    [
      'autoExtend.interval >= ttl',
      { ttl: 3_000, autoExtend: { interval: 3_000 } },
      `${at}: option "autoExtend.interval" must be less than ttl (3000 ms) so the lock is renewed before it expires, got 3000.`,
    ],
    [
      'onBusy "later"',
      { onBusy: 'later' },
      `${at}: option "onBusy" must be one of 'wait', 'throw', 'skip', got "later".`,
    ],
    ['signal', { signal: 'stop' }, `${at}: option "signal" must be an AbortSignal, got "stop".`],
    [
      'metadata',
      { metadata: 7 },
      `${at}: option "metadata" must be a string of at most 1024 bytes, got 7.`,
    ],
    ['fair', { fair: 'yes' }, `${at}: option "fair" must be true or false, got "yes".`],
    [
      'onStoreError',
      { onStoreError: 'ignore' },
      `${at}: option "onStoreError" must be 'throw' or 'run', got "ignore".`,
    ],
    ['unknown option', { timeout: 5 }, `${at}: unknown option "timeout". Known options: ${KNOWN}.`],
    [
      'unknown option with a typo',
      { ttl: 5, keys: 'x' },
      `${at}: unknown option "keys". Known options: ${KNOWN}.`,
    ],
    [
      'key 42',
      { key: 42 },
      `${at}: option "key" must be a key template such as "invoice:{0.id}" or a function of the arguments returning the key, got 42.`,
    ],
    [
      'key null',
      { key: null },
      `${at}: option "key" must be a key template such as "invoice:{0.id}" or a function of the arguments returning the key, got null.`,
    ],
    [
      'engine ""',
      { engine: '' },
      `${at}: option "engine" must be the non-empty name of an engine registered with configureLocks(engine, { name }), got "".`,
    ],
    [
      'engine 1',
      { engine: 1 },
      `${at}: option "engine" must be the non-empty name of an engine registered with configureLocks(engine, { name }), got 1.`,
    ],
    ['options null', null, `${at}: the options must be an object, got null.`],
    ['options "key"', 'invoice:{0}', `${at}: the options must be an object, got "invoice:{0}".`],
    ['options []', [], `${at}: the options must be an object, got an array.`],
    [
      'empty template',
      { key: '' },
      `${at}: the key template is empty; give a template such as "invoice:{0.id}" or a key function, or leave out "key" to use the default key.`,
    ],
    [
      'unclosed brace',
      { key: 'invoice:{0.id' },
      `${at}: key template "invoice:{0.id" has an unclosed "{" at index 8.`,
    ],
    [
      'placeholder beyond the parameters',
      { key: 'invoice:{1}' },
      `${at}: key template "invoice:{1}" uses argument 1, but the method takes 1 parameter by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.`,
    ],
    [
      'invalid placeholder',
      { key: 'invoice:{invoice.id}' },
      `${at}: key template "invoice:{invoice.id}" has an invalid placeholder "{invoice.id}"; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.`,
    ],
    [
      'a constant key over 1024 bytes',
      { key: 'k'.repeat(1025) },
      `${at}: the lock key "${'k'.repeat(40)}…" is 1025 bytes; keys are limited to 1024 bytes (hash long identifiers into the key).`,
    ],
  ])('%s', (_name, options, message) => {
    const error = chargeError(options);
    expect(error).toBeInstanceOf(LockConfigError);
    expect(error.message).toBe(message);
  });

  it('names static methods by their class', () => {
    const error = thrownBy(() => {
      class Reports {
        @Locked({ ttl: -5 })
        static async nightly(): Promise<void> {}
      }
      return Reports;
    });
    expect(error).toBeInstanceOf(LockConfigError);
    expect(error.message).toBe(
      '@Locked on Reports.nightly: option "ttl" must be a positive integer number of milliseconds, got -5.',
    );
  });

  it('counts parameters with Function.length: defaults and rest parameters do not count', () => {
    const withDefault = thrownBy(() => {
      class Mailer {
        @Locked({ key: 'mail:{0}:{1}' })
        async send(to: string, retries = 3): Promise<string> {
          return `${to}${retries}`;
        }
      }
      return Mailer;
    });
    expect(withDefault.message).toBe(
      '@Locked on Mailer.send: key template "mail:{0}:{1}" uses argument 1, but the method takes 1 parameter by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.',
    );
    const withRest = thrownBy(() => {
      class Mailer {
        @Locked({ key: 'mail:{0}' })
        async sendAll(...to: string[]): Promise<number> {
          return to.length;
        }
      }
      return Mailer;
    });
    expect(withRest.message).toBe(
      '@Locked on Mailer.sendAll: key template "mail:{0}" uses argument 0, but the method takes 0 parameters by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.',
    );
    // An optional parameter without a default counts.
    class Mailer {
      @Locked({ key: 'mail:{0}:{1}' })
      async send(to: string, cc?: string): Promise<string> {
        return `${to}${cc ?? ''}`;
      }
    }
    expect(Mailer.prototype.send.length).toBe(2);
  });

  it('refuses getters, setters and fields', () => {
    const getter = thrownBy(() => {
      class Billing {
        // @ts-expect-error -- a getter is not a method
        @Locked()
        get total(): Promise<number> {
          return Promise.resolve(1);
        }
      }
      return Billing;
    });
    expect(getter).toBeInstanceOf(LockConfigError);
    expect(getter.message).toBe(
      '@Locked on Billing.total: @Locked can only decorate methods, and total is not one.',
    );
    const field = thrownBy(() => {
      class Billing {
        // @ts-expect-error -- a field is not a method
        @Locked()
        run = (): Promise<void> => Promise.resolve();
      }
      return Billing;
    });
    expect(field).toBeInstanceOf(LockConfigError);
    expect(field.message).toBe(
      '@Locked on Billing.run: @Locked can only decorate methods, and run is not one.',
    );
  });

  it('reads the options once, when the class is defined, and copies them', async () => {
    let reads = 0;
    const options = {
      key: 'invoice:{0.id}',
      get ttl(): number {
        reads += 1;
        return 5_000;
      },
    };
    class Billing {
      @Locked(options)
      async charge(invoice: { id: string }): Promise<string> {
        return invoice.id;
      }
    }
    expect(reads).toBeGreaterThan(0);
    const afterDefinition = reads;
    options.key = 'changed:{0.id}';
    const engine = new LockEngine({ store: new MemoryLockStore() });
    configureLocks(engine);
    const keys: string[] = [];
    engine.on('acquired', (event) => keys.push(event.key));
    try {
      expect(await new Billing().charge({ id: '1' })).toBe('1');
    } finally {
      unregisterLockEngine('default', engine);
      await engine.close();
    }
    expect(keys).toEqual(['invoice:1']);
    expect(reads).toBe(afterDefinition);
  });

  it('lets one Locked(...) decorate several methods, each checked on its own', () => {
    const locked = Locked({ key: 'doc:{0}' });
    class Docs {
      @locked
      async read(id: string): Promise<string> {
        return id;
      }
    }
    expect(typeof Docs.prototype.read).toBe('function');
    const error = thrownBy(() => {
      class Broken {
        @locked
        async list(): Promise<string[]> {
          return [];
        }
      }
      return Broken;
    });
    expect(error.message).toBe(
      '@Locked on Broken.list: key template "doc:{0}" uses argument 0, but the method takes 0 parameters by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.',
    );
  });
});
