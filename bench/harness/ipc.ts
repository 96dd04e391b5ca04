/**
 * Messages between the bench and its worker processes, in both directions: a typed inbox over
 * anything that emits `message` (the worker's `process`, or a `ChildProcess` in the parent).
 */
export interface Message {
  type: string;
  [field: string]: unknown;
}

interface MessageSource {
  on(event: 'message', listener: (message: Message) => void): unknown;
}

export class Inbox {
  readonly #messages: Message[] = [];
  #wakers: Array<() => void> = [];
  #closed: Error | undefined;

  constructor(source: MessageSource) {
    source.on('message', (message) => {
      this.#messages.push(message);
      this.#wake();
    });
  }

  /** No more messages will come: pending and later `receive` calls reject with `reason`. */
  close(reason: Error): void {
    this.#closed ??= reason;
    this.#wake();
  }

  /**
   * The next message of `type` (others stay queued). A `fatal` message from a worker rejects
   * with the worker's error.
   */
  async receive(type: string): Promise<Message> {
    for (;;) {
      const index = this.#messages.findIndex((m) => m.type === type || m.type === 'fatal');
      if (index >= 0) {
        const message = this.#messages.splice(index, 1)[0]!;
        if (message.type === 'fatal') throw new Error(`worker failed: ${String(message.error)}`);
        return message;
      }
      if (this.#closed) throw this.#closed;
      await new Promise<void>((resolve) => this.#wakers.push(resolve));
    }
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }
}
