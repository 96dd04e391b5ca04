import { setTimeout as delay } from 'node:timers/promises';
import type { BillingService } from '../../examples/nestjs-app/billing.service';

/**
 * Steady load on the `@Locked` `BillingService.charge`: `callers` concurrent loops, caller `i`
 * charging invoice `i mod invoices.length` over and over, so every invoice has callers in every
 * replica and the lock is handed between processes all the time.
 */
export class Traffic {
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #reported = new Set<string>();

  constructor(
    private readonly billing: BillingService,
    private readonly callers: number,
    private readonly invoices: readonly string[],
    private readonly onError: (error: unknown, firstOfItsKind: boolean) => void,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = Array.from({ length: this.callers }, (_, i) =>
      this.#loop(this.invoices[i % this.invoices.length]!),
    );
  }

  /** Stop calling; resolves when every caller's current call has settled. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  async #loop(invoice: string): Promise<void> {
    while (this.#running) {
      try {
        await this.billing.charge(invoice);
      } catch (error) {
        const kind = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.onError(error, !this.#reported.has(kind));
        this.#reported.add(kind);
        // A failing store must not turn this loop into a busy spin.
        await delay(200);
      }
    }
  }
}
