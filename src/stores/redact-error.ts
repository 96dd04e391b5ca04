import { LockStoreError } from '../engine/errors';
/** What replaces a secret in a message or stack. */
const REDACTED = '[redacted]';

/** Plain facts about a network or client failure that are worth keeping (Node's errno fields). */
const FACTS = ['code', 'errno', 'syscall', 'address', 'port'] as const;

/**
 * A copy of `error` that is safe to hand out: it keeps the class (prototype), name, message,
 * stack, errno-style facts, the command's name and the cause chain, with every occurrence of
 * `secrets` in their text replaced, and nothing else. Redis clients attach the command with its
 * arguments to their errors (ioredis: `error.command.args`), and those arguments include the lock's
 * owner token, which must never leave lockwarden. Cycles in cause chains are kept as cycles.
 */
export function redactError(error: unknown, secrets: readonly string[]): Error {
  return copyError(
    error,
    secrets.filter((secret) => secret.length > 0),
    new Map(),
  );
}

function copyError(error: unknown, secrets: readonly string[], seen: Map<object, Error>): Error {
  if (!(error instanceof Error)) return new LockStoreError(redact(describe(error), secrets));
  const done = seen.get(error);
  if (done) return done;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  seen.set(error, copy);
  const hidden = (name: string, value: unknown): void => {
    Object.defineProperty(copy, name, { value, writable: true, configurable: true });
  };
  hidden('message', redact(error.message, secrets));
  hidden('stack', redact(error.stack ?? `${error.name}: ${error.message}`, secrets));
  if (Object.prototype.hasOwnProperty.call(error, 'name'))
    hidden('name', redact(error.name, secrets));
  const source = error as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const fact of FACTS) {
    const value = source[fact];
    if (typeof value === 'string') target[fact] = redact(value, secrets);
    else if (typeof value === 'number') target[fact] = value;
  }
  const command = source['command'] as { name?: unknown } | undefined;
  if (typeof command?.name === 'string') target['command'] = { name: command.name };
  // ioredis' ClusterAllFailedError keeps the node's failure as lastNodeError.
  const cause = 'cause' in error ? error.cause : source['lastNodeError'];
  if (cause !== undefined) hidden('cause', copyError(cause, secrets, seen));
  if (Array.isArray(source['errors'])) {
    hidden(
      'errors',
      source['errors'].map((inner: unknown) => copyError(inner, secrets, seen)),
    );
  }
  return copy;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return 'a non-error value';
  }
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}
