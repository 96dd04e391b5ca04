// The part of redlock 4's API the bench uses (the package ships no types, and @types/redlock
// pulls in ioredis 4's types).
declare module 'redlock' {
  import type Redis from 'ioredis';

  namespace Redlock {
    interface Options {
      driftFactor?: number;
      retryCount?: number;
      retryDelay?: number;
      retryJitter?: number;
    }
    interface Lock {
      unlock(): Promise<void>;
      extend(ttl: number): Promise<Lock>;
    }
  }
  class Redlock {
    constructor(clients: Redis[], options?: Redlock.Options);
    lock(resource: string, ttl: number): Promise<Redlock.Lock>;
  }
  export = Redlock;
}

// redlock 5.0.0-beta.2 ships types, but its `exports` map has no "types" condition, so module
// resolutions that honour `exports` (bundler, node16) cannot find them. The part the bench uses:
declare module 'redlock5' {
  import type Redis from 'ioredis';

  interface Settings {
    retryDelay?: number;
    retryJitter?: number;
    retryCount?: number;
  }
  export default class Redlock {
    constructor(clients: Iterable<Redis>, settings?: Settings);
    acquire(resources: string[], duration: number): Promise<{ release(): Promise<unknown> }>;
    using<T>(resources: string[], duration: number, routine: () => Promise<T>): Promise<T>;
  }
}
