import { describeValue } from '../engine/validate';
import { LockConfigError, LockKeyError } from '../engine/errors';
import { escapeKeyValue, isKeySeparator } from './key-escape';

/** One `{index.path}` of a template. */
interface Placeholder {
  readonly index: number;
  readonly path: readonly string[];
  /** As written, e.g. `{1.customer.id}`, for error messages. */
  readonly text: string;
}

/** A parsed key template such as `'invoice:{0.id}'`. */
export interface KeyTemplate {
  /** The template as written. */
  readonly source: string;
  /** The key when the template has no placeholders, else `undefined`. */
  readonly constant: string | undefined;
  /**
   * The key for `args`: literal text as written, each placeholder's value escaped with
   * {@link escapeKeyValue}. Throws `LockKeyError` naming `where`, the template and the path when
   * a value is missing or not a scalar.
   */
  render(args: readonly unknown[], where: string): string;
}

const PLACEHOLDER = /^(0|[1-9][0-9]*)((?:\.[A-Za-z0-9_$]+)*)$/;

/**
 * Parse and check a template when the class is defined, so that a typo fails at start-up rather
 * than on the first call. `parameterCount` is the method's `Function.length`.
 */
export function parseKeyTemplate(
  where: string,
  template: string,
  parameterCount: number,
): KeyTemplate {
  if (template.length === 0) {
    throw new LockConfigError(
      `${where}: the key template is empty; give a template such as "invoice:{0.id}" or a key function, or leave out "key" to use the default key.`,
    );
  }
  const parts: Array<string | Placeholder> = [];
  let literal = '';
  let previous: Placeholder | undefined;
  for (let i = 0; i < template.length; i += 1) {
    const char = template.charAt(i);
    if (char === '}') {
      throw new LockConfigError(
        `${where}: key template "${template}" has a "}" without a matching "{" at index ${i}; templates cannot contain literal braces.`,
      );
    }
    if (char !== '{') {
      literal += char;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close === -1) {
      throw new LockConfigError(
        `${where}: key template "${template}" has an unclosed "{" at index ${i}.`,
      );
    }
    const text = template.slice(i, close + 1);
    const match = PLACEHOLDER.exec(text.slice(1, -1));
    if (!match) {
      throw new LockConfigError(
        `${where}: key template "${template}" has an invalid placeholder ${JSON.stringify(text)}; write {<argument index>} or {<argument index>.<property path>}, e.g. {0} or {1.customer.id}.`,
      );
    }
    const placeholder: Placeholder = {
      index: Number(match[1]),
      path: match[2] ? match[2].slice(1).split('.') : [],
      text,
    };
    if (placeholder.index >= parameterCount) {
      throw new LockConfigError(
        `${where}: key template "${template}" uses argument ${placeholder.index}, but the method takes ${parameterCount} parameter${parameterCount === 1 ? '' : 's'} by Function.length, which stops before the first parameter with a default value or a rest parameter; use a key function to key on those.`,
      );
    }
    // Escaped values never contain a separator, so one in between keeps the split unambiguous.
    if (previous && ![...literal].some(isKeySeparator)) {
      throw new LockConfigError(
        `${where}: key template "${template}" must separate ${previous.text} and ${placeholder.text} with at least one ASCII punctuation or space character other than - _ . @ + ~ % (such as ":"), or different arguments could give the same key.`,
      );
    }
    if (literal) parts.push(literal);
    parts.push(placeholder);
    literal = '';
    previous = placeholder;
    i = close;
  }
  if (literal) parts.push(literal);
  const constant = previous ? undefined : template;
  return {
    source: template,
    constant,
    render(args, where) {
      let key = '';
      for (const part of parts) {
        key +=
          typeof part === 'string' ? part : escapeKeyValue(valueAt(args, part, template, where));
      }
      return key;
    },
  };
}

function valueAt(
  args: readonly unknown[],
  placeholder: Placeholder,
  template: string,
  where: string,
): string {
  let value: unknown = args[placeholder.index];
  const { path } = placeholder;
  for (let depth = 0; depth < path.length; depth += 1) {
    if (value === null || value === undefined) {
      const parent = `{${[placeholder.index, ...path.slice(0, depth)].join('.')}}`;
      throw new LockKeyError(
        `${where}: key template "${template}" cannot read ${placeholder.text}: ${parent} is ${String(value)}.`,
      );
    }
    value = (value as Record<string, unknown>)[path[depth] as string];
  }
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (Number.isFinite(value)) return String(value);
      break;
    case 'bigint':
    case 'boolean':
      return String(value);
  }
  throw new LockKeyError(
    `${where}: key template "${template}" needs a string, a finite number, a bigint or a boolean at ${placeholder.text}, got ${describeValue(value)}.`,
  );
}
