import type { ScriptCall } from './redis-port';

interface Queued {
  readonly call: ScriptCall;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Sends script calls over one connection with as few socket writes as it can without holding
 * any call back: a call made while nothing is in flight is written at once; calls made while
 * others are in flight are gathered in a microtask and written together as one pipeline. The
 * replies of one socket read settle together and the calls they lead to follow in step, so many
 * concurrent locks on one connection cost a few writes (and reads on the server) per read instead
 * of one per call. Calls reach Redis in the order they were made, and a gathered call is written
 * before the code that made it gets to run anything after its next `await` (a grant given back
 * without awaiting it still reaches Redis before the caller's next command on that client).
 */
export class WriteCoalescer {
  #inFlight = 0;
  #queued: Queued[] | undefined;
  readonly #settled = (): void => {
    this.#inFlight -= 1;
  };

  constructor(
    private readonly one: (call: ScriptCall) => Promise<unknown>,
    /** One result or `Error` per call, in order, never rejecting as a whole. */
    private readonly many: (calls: readonly ScriptCall[]) => Promise<unknown[]>,
  ) {}

  run(call: ScriptCall): Promise<unknown> {
    if (this.#inFlight === 0 && this.#queued === undefined) return this.#send(call);
    return new Promise((resolve, reject) => {
      if (this.#queued === undefined) {
        this.#queued = [];
        queueMicrotask(() => this.#flush());
      }
      this.#queued.push({ call, resolve, reject });
    });
  }

  #send(call: ScriptCall): Promise<unknown> {
    this.#inFlight += 1;
    let reply: Promise<unknown>;
    try {
      reply = this.one(call);
    } catch (error) {
      this.#inFlight -= 1;
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
    reply.then(this.#settled, this.#settled);
    return reply;
  }

  #flush(): void {
    const queued = this.#queued ?? [];
    this.#queued = undefined;
    if (queued.length === 1) {
      const { call, resolve, reject } = queued[0]!;
      this.#send(call).then(resolve, reject);
      return;
    }
    this.#inFlight += 1;
    let replies: Promise<unknown[]>;
    try {
      replies = this.many(queued.map((entry) => entry.call));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      replies = Promise.reject(error);
    }
    replies.then(
      (results) => {
        this.#inFlight -= 1;
        queued.forEach((entry, i) => {
          const result = results[i];
          if (result instanceof Error) entry.reject(result);
          else entry.resolve(result);
        });
      },
      (error: unknown) => {
        this.#inFlight -= 1;
        for (const entry of queued) entry.reject(error);
      },
    );
  }
}
