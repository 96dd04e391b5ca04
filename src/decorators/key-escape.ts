// Values copied into a key keep ASCII letters and digits, `- _ . @ + ~` and every non-ASCII code
// point, so ids, UUIDs, e-mails and non-English names stay readable. Everything else in ASCII
// (`%`, `:`, `{`, `}`, `/`, space, control characters, ...) becomes `%XX`, and a lone surrogate
// becomes `%uXXXX`: Redis stores UTF-8, where every lone surrogate turns into U+FFFD, so two
// different JavaScript strings would otherwise share a key.
const UNSAFE = /[^A-Za-z0-9\-_.@+~\u{80}-\u{D7FF}\u{E000}-\u{10FFFF}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0');
}

function escapeChar(char: string): string {
  const code = char.codePointAt(0) as number;
  return code < 0x80 ? `%${hex(code, 2)}` : `%u${hex(code, 4)}`;
}

/**
 * Escape a value for a key, as key templates do. The mapping is injective (`%` itself is
 * escaped), and its output never contains an ASCII separator such as `:` or `/`, so keys that
 * separate their values give different keys for different values.
 *
 * @example
 * escapeKeyValue('a:b'); // 'a%3Ab'
 * class Accounts {
 *   @Locked({ key: (owner: string, id: string) => `account:${escapeKeyValue(owner)}:${escapeKeyValue(id)}` })
 *   async close(owner: string, id: string): Promise<void> {}
 * }
 */
export function escapeKeyValue(value: string): string {
  return UNSAFE.test(value) ? value.replace(UNSAFE_ALL, escapeChar) : value;
}

/**
 * Whether `char` (one UTF-16 unit of a template's literal text) can separate two placeholders:
 * an ASCII character that escaped values never contain. `%` is not one: escapes contain it.
 */
export function isKeySeparator(char: string): boolean {
  return char.length === 1 && char.charCodeAt(0) < 0x80 && char !== '%' && UNSAFE.test(char);
}
