/**
 * IPC plumbing shared by the forked test workers: typed send, "the parent's next message of type
 * X", and a runner that reports a failure as a `fatal` message instead of dying silently.
 */
export interface ParentMessage {
  type: string;
  [field: string]: unknown;
}

const inbox: ParentMessage[] = [];
let wakers: Array<() => void> = [];

process.on('message', (message: ParentMessage) => {
  inbox.push(message);
  const woken = wakers;
  wakers = [];
  for (const wake of woken) wake();
});
// An orphaned worker must not outlive the test run.
process.on('disconnect', () => process.exit(0));

export function send(message: ParentMessage): void {
  process.send?.(message);
}

/** The parent's next message of `type` (or of any of `type`); other messages are kept. */
export async function receive(type: string | readonly string[]): Promise<ParentMessage> {
  const types: readonly string[] = typeof type === 'string' ? [type] : type;
  for (;;) {
    const index = inbox.findIndex((m) => types.includes(m.type));
    if (index >= 0) return inbox.splice(index, 1)[0]!;
    await new Promise<void>((resolve) => wakers.push(resolve));
  }
}

/** Run `main`; report a failure to the parent as `{ type: 'fatal' }` and exit non-zero. */
export function run(main: () => Promise<void>): void {
  main().then(
    // IPC messages are delivered in order: once this one is out, every earlier one is too.
    () => process.send?.({ type: 'finished' }, () => process.exit(0)),
    (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ type: 'fatal', error: text }, () => process.exit(1));
    },
  );
}

export function argument(index: number, name: string): string {
  const value = process.argv[2 + index];
  if (value === undefined) throw new Error(`worker argument ${index} (${name}) is missing`);
  return value;
}
