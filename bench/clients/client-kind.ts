import type { CommandCounter } from '../harness/command-counter';

/**
 * A Redis client library. lockwarden is measured over each registered kind side by side (rows
 * `lockwarden`, `lockwarden@<kind>`); the peers use ioredis. Adding a kind is one file like
 * `ioredis.ts` plus one line in `index.ts`.
 */
export interface ClientKind<Client = unknown> {
  /** What `--clients` takes. */
  readonly name: string;
  /** The npm package, for the versions table. */
  readonly packageName: string;
  /**
   * From now on, count every command that any client of this kind in this process sends,
   * each exactly once (also when it is queued offline and written later, or sent in a pipeline).
   */
  countCommands(counter: CommandCounter): void;
  /** A new connection, ready for commands. */
  connect(url: string): Promise<Client>;
  disconnect(client: Client): Promise<void>;
}
