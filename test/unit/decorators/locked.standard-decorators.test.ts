import 'reflect-metadata';
import {
  currentLock,
  Locked,
  LockConfigError,
  LockKeyError,
  type LockedOptions,
} from '../../../src';
import { thrownBy } from '../../support/thrown-by';
import { useEngines } from '../../support/use-engines';

// Jest compiles with legacy decorators, so these tests call @Locked the way a TC39 runtime does
// (value, context) and install the result themselves. test/unit/decorators/decorator-systems
// .test.ts runs the same through real `tsc` output in both modes.

type Method = (this: unknown, ...args: unknown[]) => Promise<unknown>;

function methodContext(
  name: string | symbol,
  options: { static?: boolean; kind?: string } = {},
): { context: object; initializers: Array<(this: unknown) => void> } {
  const initializers: Array<(this: unknown) => void> = [];
  const context = {
    kind: options.kind ?? 'method',
    name,
    static: options.static ?? false,
    private: typeof name === 'string' && name.startsWith('#'),
    metadata: undefined,
    access: { has: () => true, get: () => undefined },
    addInitializer: (initializer: (this: unknown) => void) => void initializers.push(initializer),
  };
  return { context, initializers };
}

/** Apply `@Locked(options)` as a TC39 decorator to `method`. */
function decorate(options: LockedOptions | undefined, method: Method, context: object): Method {
  const decorator = Locked(options) as unknown as (value: unknown, context: object) => Method;
  return decorator(method, context);
}

const engines = useEngines();
beforeEach(() => {
  engines.create({ register: 'default' });
});

describe('@Locked as a TC39 standard decorator', () => {
  it('wraps the method, keeps name, length and metadata, and finds the class on the first call', async () => {
    class Invoices {
      async send(id: string, copies: number): Promise<string | undefined> {
        void [id, copies];
        return currentLock()?.key;
      }
    }
    const original = Invoices.prototype.send as Method;
    Reflect.defineMetadata('role', 'mailer', original);
    const wrapper = decorate(undefined, original, methodContext('send').context);
    expect(wrapper).not.toBe(original);
    expect(wrapper.name).toBe('send');
    expect(wrapper.length).toBe(2);
    expect(Reflect.getOwnMetadata('role', wrapper)).toBe('mailer');
    Object.defineProperty(Invoices.prototype, 'send', { value: wrapper });
    expect(await new Invoices().send('1', 1)).toBe('Invoices.send');
  });

  it('names only the method in errors raised while the class is being defined', () => {
    const instance = thrownBy(() =>
      decorate({ ttl: -1 }, async () => undefined, methodContext('send').context),
    );
    expect(instance).toBeInstanceOf(LockConfigError);
    expect(instance.message).toBe(
      '@Locked on method send: option "ttl" must be a positive integer number of milliseconds, got -1.',
    );
    const template = thrownBy(() =>
      decorate({ key: 'x:{0}' }, async () => undefined, methodContext('send').context),
    );
    expect(template.message).toBe(
      '@Locked on method send: key template "x:{0}" uses argument 0, but the method takes 0 parameters by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.',
    );
    const staticMethod = thrownBy(() =>
      decorate(
        { onBusy: 'later' as never },
        async () => undefined,
        methodContext('nightly', { static: true }).context,
      ),
    );
    expect(staticMethod.message).toBe(
      `@Locked on static method nightly: option "onBusy" must be one of 'wait', 'throw', 'skip', got "later".`,
    );
    const getter = thrownBy(() =>
      decorate(
        undefined,
        async () => undefined,
        methodContext('total', { kind: 'getter' }).context,
      ),
    );
    expect(getter).toBeInstanceOf(LockConfigError);
    expect(getter.message).toBe(
      '@Locked on total: @Locked can only decorate methods, not a getter.',
    );
  });

  it('names the class in errors at call time', async () => {
    class Invoices {
      async send(invoice: { id?: string }): Promise<void> {
        void invoice;
      }
    }
    const wrapper = decorate(
      { key: 'invoice:{0.id}' },
      Invoices.prototype.send as Method,
      methodContext('send').context,
    );
    Object.defineProperty(Invoices.prototype, 'send', { value: wrapper });
    const error = await new Invoices().send({}).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(LockKeyError);
    expect((error as Error).message).toBe(
      '@Locked on Invoices.send: key template "invoice:{0.id}" needs a string, a finite number, a bigint or a boolean at {0.id}, got undefined.',
    );
  });

  it('learns the class of a static method from its initializer, while the class is defined', async () => {
    class Reports {
      static async nightly(): Promise<string | undefined> {
        return currentLock()?.key;
      }
    }
    const { context, initializers } = methodContext('nightly', { static: true });
    const wrapper = decorate(undefined, Reports.nightly, context);
    Object.defineProperty(Reports, 'nightly', { value: wrapper });
    for (const initializer of initializers) initializer.call(Reports);
    // Even called without a receiver.
    expect(await wrapper.call(undefined)).toBe('Reports.nightly');
  });

  /**
   * Invoices, whose `send` is decorated and installed as `install` makes it of the wrapper (the
   * wrapper itself by default), and its subclass CreditNotes.
   */
  function invoicesAndSubclass(install: (wrapper: Method) => Method = (wrapper) => wrapper) {
    class Invoices {
      async send(): Promise<string | undefined> {
        return currentLock()?.key;
      }
    }
    class CreditNotes extends Invoices {}
    const wrapper = decorate(undefined, Invoices.prototype.send, methodContext('send').context);
    Object.defineProperty(Invoices.prototype, 'send', { value: install(wrapper) });
    return { Invoices, CreditNotes };
  }

  it('takes the declaring class, not the subclass of the first caller', async () => {
    const { Invoices, CreditNotes } = invoicesAndSubclass();
    expect(await new CreditNotes().send()).toBe('Invoices.send');
    expect(await new Invoices().send()).toBe('Invoices.send');
  });

  it('falls back to the nearest class holding the method when a later decorator wrapped it', async () => {
    const { CreditNotes } = invoicesAndSubclass(
      (wrapper) =>
        function traced(this: unknown) {
          return wrapper.call(this);
        },
    );
    // First called on a subclass instance: the class that holds the method names it.
    expect(await new CreditNotes().send()).toBe('Invoices.send');
  });

  it("uses the receiver's class for a private method (#name is not a property)", async () => {
    class Vault {
      async open(): Promise<unknown> {
        return wrapper.call(this);
      }
    }
    const wrapper = decorate(
      undefined,
      async () => currentLock()?.key,
      methodContext('#unlock').context,
    );
    expect(await new Vault().open()).toBe('Vault.#unlock');
  });

  it('refuses a default key when it cannot tell the class (no receiver)', async () => {
    let ran = false;
    const wrapper = decorate(
      undefined,
      async () => {
        ran = true;
      },
      methodContext('send').context,
    );
    const error = await wrapper.call(undefined).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(LockConfigError);
    expect((error as Error).message).toBe(
      '@Locked on method send: cannot tell which class the method belongs to, because it was called without an instance; give it a "key" option.',
    );
    expect(ran).toBe(false);
  });
});
