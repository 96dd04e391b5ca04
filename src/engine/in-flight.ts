import { setLongTimeout } from './timers';

/** Counts running work (the engine's `withLock` bodies) so that `close` can wait for it. */
export class InFlight {
  #count = 0;
  #idle: Array<() => void> = [];

  /** Number of pieces of work running now. */
  get count(): number {
    return this.#count;
  }

  /** Count `work` as running until its promise settles; returns that promise. */
  run<T>(work: () => Promise<T>): Promise<T> {
    this.#count += 1;
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrown as thrown
      running = Promise.reject(error);
    }
    running.then(this.#done, this.#done);
    return running;
  }

  readonly #done = (): void => {
    this.#count -= 1;
    if (this.#count > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  };

  /**
   * Resolves `true` once nothing is running, or `false` after `timeout` ms with work still
   * running. Any `timeout` works (a long one is waited in chunks below Node's timer limit). The
   * timer is not `unref`'d: whoever closes is waiting on it.
   */
  drain(timeout: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const onIdle = (): void => {
        timer.clear();
        resolve(true);
      };
      const timer = setLongTimeout(() => {
        this.#idle = this.#idle.filter((waiting) => waiting !== onIdle);
        resolve(false);
      }, timeout);
      this.#idle.push(onIdle);
    });
  }
}
