/**
 * What a worker process let slip: every unhandled rejection and uncaught exception, as
 * `"<kind> <name>: <message>"` lines, collected from the moment this is called. Workers report
 * the list; a test expects it empty. (Jest intercepts these in the test process itself, hence the
 * separate processes.)
 */
export function collectUnhandledErrors(): string[] {
  const unhandled: string[] = [];
  process.on('unhandledRejection', (reason) =>
    unhandled.push(`unhandledRejection ${describeError(reason)}`),
  );
  process.on('uncaughtException', (error) =>
    unhandled.push(`uncaughtException ${describeError(error)}`),
  );
  return unhandled;
}

/** `"<name>: <message>"` for an error, the value as text otherwise. */
export function describeError(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
