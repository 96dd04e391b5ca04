/**
 * The Redis commands this process sent, counted on the client side by name. Each client kind
 * feeds it (see bench/clients); scenarios read `total` at the edges of their measuring window.
 */
export class CommandCounter {
  readonly #byName = new Map<string, number>();
  #total = 0;

  add(name: string): void {
    this.#total += 1;
    this.#byName.set(name, (this.#byName.get(name) ?? 0) + 1);
  }

  get total(): number {
    return this.#total;
  }

  /** Every command since the process started, by lower-case name. */
  byName(): Record<string, number> {
    return Object.fromEntries(this.#byName);
  }
}

/** The one counter of a worker process. */
export const commandCounter = new CommandCounter();
