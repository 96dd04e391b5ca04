import fc from 'fast-check';
import { LockConfigError, LockKeyError } from '../../../src';
import { parseKeyTemplate } from '../../../src/decorators/key-template';

const where = '@Locked on Billing.charge';

function render(template: string, args: unknown[], parameterCount = args.length): string {
  return parseKeyTemplate(where, template, parameterCount).render(args, where);
}

function parseError(template: string, parameterCount = 3): unknown {
  try {
    parseKeyTemplate(where, template, parameterCount);
  } catch (error) {
    return error;
  }
  throw new Error(`"${template}" parsed`);
}

describe('parseKeyTemplate: rendering', () => {
  it('reads arguments and property paths, keeping literal text as written', () => {
    expect(render('invoice:{0.id}', [{ id: 'A7' }])).toBe('invoice:A7');
    expect(render('{0}', ['x'])).toBe('x');
    expect(render('order/{1.customer.id}:{0}', [42, { customer: { id: 'c-9' } }])).toBe(
      'order/c-9:42',
    );
    expect(render('{0}:{0}', ['same'])).toBe('same:same');
    expect(render('items:{0.0.sku}', [[{ sku: 'S1' }]])).toBe('items:S1');
  });

  it('renders numbers, bigints and booleans with String()', () => {
    expect(render('{0}|{1}|{2}|{3}', [7, -0.5, 12n, false])).toBe('7|-0.5|12|false');
    // The same id as a number or a string is the same resource, so the same lock.
    expect(render('n:{0}', [42])).toBe(render('n:{0}', ['42']));
  });

  it('reads getters and inherited properties', () => {
    class Invoice {
      constructor(private readonly raw: string) {}
      get id(): string {
        return this.raw.toUpperCase();
      }
    }
    expect(render('invoice:{0.id}', [new Invoice('ab')])).toBe('invoice:AB');
  });

  it('escapes values, never the literal text', () => {
    expect(render('a:{0}', ['b:c'])).toBe('a:b%3Ac');
    expect(render('{0}:{1}', ['a:b', 'c'])).not.toBe(render('{0}:{1}', ['a', 'b:c']));
    expect(render('{0}:{1}', ['a:b', 'c'])).toBe('a%3Ab:c');
    expect(render('{0}:{1}', ['a', 'b:c'])).toBe('a:b%3Ac');
    expect(render('x:{0}', ['{1}'])).toBe('x:%7B1%7D');
    expect(render('x:{0}', ['50%'])).toBe('x:50%25');
    expect(render('100% {0}', ['y'])).toBe('100% y');
  });

  it('has a constant for a template without placeholders', () => {
    expect(parseKeyTemplate(where, 'nightly-report', 0).constant).toBe('nightly-report');
    expect(parseKeyTemplate(where, 'invoice:{0}', 1).constant).toBeUndefined();
  });
});

describe('parseKeyTemplate: errors when the class is defined', () => {
  it.each([
    [
      '',
      '@Locked on Billing.charge: the key template is empty; give a template such as "invoice:{0.id}" or a key function, or leave out "key" to use the default key.',
    ],
    [
      'invoice:{0.id',
      '@Locked on Billing.charge: key template "invoice:{0.id" has an unclosed "{" at index 8.',
    ],
    [
      'invoice:0}',
      '@Locked on Billing.charge: key template "invoice:0}" has a "}" without a matching "{" at index 9; templates cannot contain literal braces.',
    ],
    [
      'invoice:{id}',
      '@Locked on Billing.charge: key template "invoice:{id}" has an invalid placeholder "{id}"; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.',
    ],
    [
      'invoice:{}',
      '@Locked on Billing.charge: key template "invoice:{}" has an invalid placeholder "{}"; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.',
    ],
    [
      'x:{ 0 }',
      '@Locked on Billing.charge: key template "x:{ 0 }" has an invalid placeholder "{ 0 }"; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.',
    ],
    [
      'x:{0..id}',
      '@Locked on Billing.charge: key template "x:{0..id}" has an invalid placeholder "{0..id}"; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.',
    ],
    [
      'x:{01}',
      '@Locked on Billing.charge: key template "x:{01}" has an invalid placeholder "{01}"; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.',
    ],
    [
      'x:{0{1}}',
      '@Locked on Billing.charge: key template "x:{0{1}}" has an invalid placeholder "{0{1}"; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.',
    ],
    [
      'x:{3.id}',
      '@Locked on Billing.charge: key template "x:{3.id}" uses argument 3, but the method takes 3 parameters by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.',
    ],
    [
      '{0}{1}',
      '@Locked on Billing.charge: key template "{0}{1}" must separate {0} and {1} with at least one ASCII punctuation or space character other than - _ . @ + ~ % (such as ":"), or different arguments could give the same key.',
    ],
    [
      'x:{0}-{1.id}',
      '@Locked on Billing.charge: key template "x:{0}-{1.id}" must separate {0} and {1.id} with at least one ASCII punctuation or space character other than - _ . @ + ~ % (such as ":"), or different arguments could give the same key.',
    ],
    [
      '{0}%{1}',
      '@Locked on Billing.charge: key template "{0}%{1}" must separate {0} and {1} with at least one ASCII punctuation or space character other than - _ . @ + ~ % (such as ":"), or different arguments could give the same key.',
    ],
  ])('%j', (template, message) => {
    const error = parseError(template);
    expect(error).toBeInstanceOf(LockConfigError);
    expect((error as Error).message).toBe(message);
  });

  it('counts parameters like Function.length and says so', () => {
    expect(() => parseKeyTemplate(where, '{0}', 0)).toThrow(
      new LockConfigError(
        '@Locked on Billing.charge: key template "{0}" uses argument 0, but the method takes 0 parameters by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.',
      ),
    );
    expect(() => parseKeyTemplate(where, '{1}', 1)).toThrow(
      '@Locked on Billing.charge: key template "{1}" uses argument 1, but the method takes 1 parameter by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.',
    );
  });

  it('accepts other separators and text around placeholders', () => {
    for (const template of [
      '{0}:{1}',
      '{0}-x/{1}',
      '{0} {1}',
      'a{0}b|c{1}d',
      '{0}#{1}',
      '{0}/{0}:{1}',
    ]) {
      expect(parseKeyTemplate(where, template, 2).source).toBe(template);
    }
  });
});

describe('parseKeyTemplate: errors at call time', () => {
  const keyError = (template: string, args: unknown[]): unknown => {
    try {
      render(template, args, 3);
    } catch (error) {
      return error;
    }
    throw new Error('rendered');
  };

  it.each([
    [
      'invoice:{0.id}',
      [{}],
      '@Locked on Billing.charge: key template "invoice:{0.id}" needs a string, a finite number, a bigint or a boolean at {0.id}, got undefined.',
    ],
    [
      'invoice:{0.id}',
      [undefined],
      '@Locked on Billing.charge: key template "invoice:{0.id}" cannot read {0.id}: {0} is undefined.',
    ],
    [
      'order:{1.customer.id}',
      ['o', { customer: null }],
      '@Locked on Billing.charge: key template "order:{1.customer.id}" cannot read {1.customer.id}: {1.customer} is null.',
    ],
    [
      'x:{0}',
      [],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got undefined.',
    ],
    [
      'x:{0}',
      [{ id: 1 }],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got an object.',
    ],
    [
      'x:{0}',
      [[1]],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got an array.',
    ],
    [
      'x:{0}',
      [null],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got null.',
    ],
    [
      'x:{0}',
      [Number.NaN],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got NaN.',
    ],
    [
      'x:{0}',
      [Number.POSITIVE_INFINITY],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got Infinity.',
    ],
    [
      'x:{0}',
      [Symbol('s')],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got a symbol.',
    ],
    [
      'x:{0}',
      [() => 1],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got a function.',
    ],
    [
      'x:{0}',
      [new Date(0)],
      '@Locked on Billing.charge: key template "x:{0}" needs a string, a finite number, a bigint or a boolean at {0}, got an object.',
    ],
  ])('%j with %p', (template, args, message) => {
    const error = keyError(template, args);
    expect(error).toBeInstanceOf(LockKeyError);
    expect((error as LockKeyError).code).toBe('LOCK_KEY');
    expect((error as Error).message).toBe(message);
  });
});

describe('parseKeyTemplate: distinct arguments never share a key (property)', () => {
  const scalar = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('%', ':', '{', '}', '/', '3', 'A', 'a', '.', '-') }),
    fc.integer().map(String),
  );
  // Templates that separate their placeholders in different ways; the same template, two
  // different argument tuples: the keys must differ.
  const templates = ['{0}:{1}', 'x/{0} {1}|{2}', '{0}:{1.id}:{2}', 'a{0}#-{1}.;{2}', '{0},{0}:{1}'];
  it.each(templates)('%s', (template) => {
    const parsed = parseKeyTemplate(where, template, 3);
    const tuple = fc.tuple(scalar, scalar, scalar);
    const args = ([a, b, c]: [string, string, string]): unknown[] => [a, { id: b }, c];
    const used = (t: [string, string, string]): string =>
      JSON.stringify(
        [...template.matchAll(/\{(\d)(\.id)?\}/g)].map(([, index]) => t[Number(index)]),
      );
    fc.assert(
      fc.property(tuple, tuple, (x, y) => {
        // Tuples that differ only in arguments the template ignores rightly share a key.
        if (used(x) === used(y)) return true;
        const argsX = template.includes('{1.id}') ? args(x) : x;
        const argsY = template.includes('{1.id}') ? args(y) : y;
        return parsed.render(argsX, where) !== parsed.render(argsY, where);
      }),
      { numRuns: 3_000 },
    );
  });

  it('also when the tuples differ in one separator-laden position only', () => {
    const parsed = parseKeyTemplate(where, '{0}:{1}', 2);
    const piece = fc.string({ unit: fc.constantFrom('a', ':', '%', '3A'), maxLength: 6 });
    fc.assert(
      fc.property(piece, piece, piece, piece, (a, b, c, d) => {
        if (a === c && b === d) return true;
        return parsed.render([a, b], where) !== parsed.render([c, d], where);
      }),
      { numRuns: 5_000 },
    );
  });
});
