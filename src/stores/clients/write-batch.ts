/** What {@link WriteBatch} needs of a socket: a Node `Writable`'s corking. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Calls awaiting replies on a connection from which further calls are batched: Redis then has
 * that much queued work, so a call held back until the end of the current microtask pass leaves
 * it idle for no moment. Below this a call is written at once (docs/design.md, "Ninth pass").
 */
export const BUSY_AT = 8;

/**
 * Calls written to a corked socket before it is flushed anyway, so Redis starts on the first
 * calls of a burst while the client builds the rest.
 */
export const CALLS_PER_FLUSH = 8;

const settled = Promise.resolve();

/**
 * Puts the script calls made in one go on a busy connection into as few socket writes as
 * possible, as node-redis does for all of its commands. When a call finds at least
 * {@link BUSY_AT} calls awaiting replies, it corks the socket; the calls that follow in the same
 * pass of the microtask queue join it, and the socket is uncorked (one `writev` for all of them)
 * once a whole pass made no further call, or after every {@link CALLS_PER_FLUSH} calls. With
 * many locks taken and released at once on one connection (concurrent requests, `@Locked`
 * methods, 64 locks taken at a time) a write system call per command cost the client about a
 * third of its CPU per acquire + release. A connection with fewer calls in flight gains little
 * from it and would lose its overlap with Redis (the client building the next call while Redis
 * runs the last), so its calls go out one by one as before.
 *
 * The check rides on native promise jobs, which no fake-timer library replaces: a test that
 * fakes `setImmediate`, `process.nextTick` or `queueMicrotask` still gets its commands sent.
 * Nothing waits for a timer or a turn of the event loop.
 */
export class WriteBatch {
  #socket: Corkable | undefined;
  /** Calls written since the socket was corked, and how many the last check saw. */
  #calls = 0;
  #seen = 0;

  /**
   * Call just before a call is written to `socket`, on whose connection `waiting` calls (this
   * store's and the application's) await their replies.
   */
  add(socket: Corkable, waiting: number): void {
    if (this.#socket === socket) {
      this.#calls += 1;
      // The socket holds CALLS_PER_FLUSH calls already: they leave before this one is written.
      if (this.#calls % CALLS_PER_FLUSH === 1) {
        uncork(socket);
        socket.cork();
      }
      return;
    }
    // A batch on an earlier socket (the client reconnected) leaves now.
    this.#flush();
    if (waiting < BUSY_AT) return;
    socket.cork();
    this.#socket = socket;
    this.#calls = 1;
    this.#seen = 1;
    void settled.then(this.#check);
  }

  readonly #check = (): void => {
    if (this.#socket === undefined) return;
    if (this.#calls !== this.#seen) {
      // Calls are still being made in this pass: look again after the jobs queued meanwhile.
      this.#seen = this.#calls;
      void settled.then(this.#check);
      return;
    }
    this.#flush();
  };

  #flush(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#socket = undefined;
    uncork(socket);
  }
}

/**
 * Uncork, never throwing: a socket that fails to write reports it to its client (ioredis
 * listens for `error` and `close`), and a throw here would surface, from a promise job, as an
 * unhandled rejection.
 */
function uncork(socket: Corkable): void {
  try {
    socket.uncork();
  } catch {
    // Reported by the socket itself.
  }
}
