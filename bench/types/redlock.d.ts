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
