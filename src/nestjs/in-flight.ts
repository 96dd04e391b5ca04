/** Counts running calls so that shutdown can wait for them, up to a deadline. */
export class InFlight {
  #count = 0;
  #idle: Array<() => void> = [];

  /** Number of calls running now. */
  get count(): number {
    return this.#count;
  }

  /** Count `promise` as running until it settles; returns it unchanged. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#count += 1;
    const done = (): void => {
      this.#count -= 1;
      if (this.#count > 0) return;
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    };
    promise.then(done, done);
    return promise;
  }

  /**
   * Resolves `true` once nothing is running, or `false` after `timeout` ms with calls still
   * running. The timer is not `unref`'d: shutdown is waiting on it.
   */
  drain(timeout: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#idle = this.#idle.filter((r) => r !== onIdle);
        resolve(false);
      }, timeout);
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idle.push(onIdle);
    });
  }
}
