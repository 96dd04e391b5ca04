// Type tests for @Locked under legacy decorators (experimentalDecorators, as NestJS uses).
// `npx tsc --noEmit` compiles this file: every `@ts-expect-error` must meet an error, and
// test/unit/decorators/locked.types.test.ts checks that it is the error named after `--`.
// The TC39 counterpart is test/fixtures/decorators/tc39/locked.types.ts.
import { Locked, type LockedOptions } from '../../src';
// What both systems accept alike (credit, debit) is there, compiled here with legacy settings.
export * from '../fixtures/decorators/shared/accepted.types';

interface Invoice {
  id: string;
  customer: { id: string };
}

export class Accepted {
  // Key parameters may be wider than the method's.
  @Locked({ key: (id: string | number) => `account:${id}` })
  async close(id: string): Promise<void> {
    void id;
  }

  @Locked({ key: (invoice: Pick<Invoice, 'id'>) => `invoice:${invoice.id}` })
  async pay(invoice: Invoice): Promise<Invoice> {
    return invoice;
  }

  // A list of keys: all of them or none.
  @Locked({ key: (from: string, to: string) => [`account:${from}`, `account:${to}`] as const })
  async transfer(from: string, to: string, amount: number): Promise<number> {
    return amount + from.length + to.length;
  }

  // Templates and the default key fit any parameters.
  @Locked({ key: 'invoice:{0.id}', onBusy: 'throw', waitTimeout: 0 })
  async send(invoice: Invoice): Promise<string> {
    return invoice.id;
  }

  @Locked()
  async audit(): Promise<void> {}

  @Locked()
  static async nightly(day: Date): Promise<Date> {
    return day;
  }

  // 'skip' resolves undefined: fine when the method's result admits it.
  @Locked({ key: 'report:{0}', onBusy: 'skip' })
  async report(id: string): Promise<string | undefined> {
    return id;
  }

  @Locked({ onBusy: 'skip' })
  async sweep(): Promise<void> {}

  @Locked({ engine: 'billing', autoExtend: { interval: 1_000 }, metadata: 'api', fair: true })
  async charge<T>(value: T): Promise<T> {
    return value;
  }
}

// Decorating leaves the method's type as it was.
export const nightly: Promise<Date> = Accepted.nightly(new Date());

// Options can be declared apart, typed against the arguments.
export const creditOptions: LockedOptions<[id: string, amount: number]> = {
  key: (id) => `account:${id}`,
  ttl: 5_000,
};

// `satisfies` keeps the literal onBusy, so the 'skip' check below stays precise; a variable
// annotated `LockedOptions` could hold 'skip', and would need a result admitting undefined.
const waitOptions = { ttl: 5_000 } satisfies LockedOptions;
const skipOptions = { onBusy: 'skip' } satisfies LockedOptions;

export class Declared {
  @Locked(waitOptions)
  async total(): Promise<number> {
    return 1;
  }

  @Locked(skipOptions)
  async sweep(): Promise<void> {}

  // @ts-expect-error -- with onBusy 'skip' the method resolves undefined when the lock is busy, so its return type must include undefined
  @Locked(skipOptions)
  async count(): Promise<number> {
    return 1;
  }

  // @ts-expect-error -- with onBusy 'skip' the method resolves undefined when the lock is busy, so its return type must include undefined
  @Locked(creditOptions as LockedOptions)
  async annotated(): Promise<number> {
    return 1;
  }
}

export class Rejected {
  // @ts-expect-error -- the key function must accept the parameters of the decorated method
  @Locked({ key: (id: number) => `account:${id}` })
  async credit(id: string): Promise<void> {
    void id;
  }

  // @ts-expect-error -- the key function must accept the parameters of the decorated method
  @Locked({ key: (id: string) => `account:${id}` })
  async close(id: string | number): Promise<void> {
    void id;
  }

  // @ts-expect-error -- the key function must accept the parameters of the decorated method
  @Locked({ key: (id: string, amount: number) => `account:${id}:${amount}` })
  async debit(id: string): Promise<void> {
    void id;
  }

  // @ts-expect-error -- the key function must accept the parameters of the decorated method
  @Locked({ key: (invoice: Invoice) => `invoice:${invoice.customer.id}` })
  async pay(invoice: { id: string }): Promise<void> {
    void invoice;
  }

  // @ts-expect-error -- the key function must accept the parameters of the decorated method
  @Locked({ key: (day: string) => `day:${day}` })
  static async nightly(day: Date): Promise<void> {
    void day;
  }

  // @ts-expect-error -- Type 'number[]' is not assignable to type 'string | readonly string[]'.
  @Locked({ key: (id: number) => [id, id + 1] })
  async pair(id: number): Promise<void> {
    void id;
  }

  // @ts-expect-error -- Type 'number' is not assignable to type 'Promise<unknown>'.
  @Locked()
  count(): number {
    return 1;
  }

  // @ts-expect-error -- Type 'void' is not assignable to type 'Promise<unknown>'.
  @Locked({ key: 'job:{0}' })
  run(id: string): void {
    void id;
  }

  // @ts-expect-error -- Type 'PromiseLike<number>' is missing the following properties from type 'Promise<unknown>'
  @Locked()
  thenable(): PromiseLike<number> {
    return Promise.resolve(1);
  }

  // @ts-expect-error -- with onBusy 'skip' the method resolves undefined when the lock is busy, so its return type must include undefined
  @Locked({ onBusy: 'skip' })
  async total(): Promise<number> {
    return 1;
  }

  // @ts-expect-error -- Object literal may only specify known properties, and 'timeout' does not exist
  @Locked({ timeout: 5_000 })
  async typo(): Promise<void> {}

  // @ts-expect-error -- Type '"later"' is not assignable to type 'BusyPolicy | undefined'.
  @Locked({ onBusy: 'later' })
  async later(): Promise<void> {}

  // @ts-expect-error -- Type 'string' is not assignable to type 'number'.
  @Locked({ ttl: '5s' })
  async slow(): Promise<void> {}

  // @ts-expect-error -- Type 'number' is not assignable to type 'string | LockKeyFunction<unknown[]> | undefined'.
  @Locked({ key: 42 })
  async numbered(): Promise<void> {}

  // @ts-expect-error -- Unable to resolve signature of property decorator
  @Locked()
  field = 1;
}
