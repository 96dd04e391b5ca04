import { LockEngine, MemoryLockStore, type LockInfo } from 'lockwarden';
import type { RunRecord } from '../../examples/nestjs-app/run-log';
import type { Backend } from './backend';
import type { ReplicaOptions } from './protocol';
import { startThreadReplica } from './thread-replica';

/**
 * No Redis: replicas are worker threads of this one process, sharing one `MemoryLockStore` that
 * lives in the main thread. (Separate threads, not three apps on one thread: `@Locked` and
 * `@SingleInstanceCron` find their engine in a registry global to the thread, so apps sharing a
 * thread would share one engine, and a thread can be ended abruptly as a process can be killed.)
 * The run log is kept here, in arrival order, which follows the order of lock operations.
 */
export class MemoryBackend implements Backend {
  readonly kind = 'memory';
  readonly killName = 'Worker.terminate()';
  readonly description =
    'no Redis: one process, replicas in worker threads sharing one MemoryLockStore';
  readonly #store = new MemoryLockStore();
  readonly #engine: LockEngine;
  readonly #log: RunRecord[] = [];

  constructor(prefix: string) {
    this.#engine = new LockEngine({ store: this.#store, prefix });
  }

  startReplica(options: Omit<ReplicaOptions, 'redisUrl'>) {
    return startThreadReplica(options, this.#store, (record) => this.#log.push(record));
  }

  append(record: RunRecord): Promise<number> {
    return Promise.resolve(this.#log.push(record));
  }

  readRunLog(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  inspect(key: string): Promise<LockInfo | null> {
    return this.#engine.inspect(key);
  }

  readonly closing = 'the MemoryLockStore';

  abandon(): void {
    // Threads end with the process.
  }

  async close(): Promise<void> {
    await this.#engine.close();
  }
}
