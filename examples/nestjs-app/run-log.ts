import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { EXAMPLE_CONFIG, type ExampleConfig } from './config';

/** One line of the run log. */
export interface RunRecord {
  replica: string;
  /** What happened: `heartbeat:start`, `heartbeat:end`, `charge:start`, ... */
  event: string;
  /** Wall-clock time of the event, epoch ms. */
  at: number;
  /** The lock held while it happened (`currentLock().key`), if any. */
  lock?: string;
  /** That lock's fencing token. */
  fence?: number;
  [detail: string]: unknown;
}

/**
 * Appends what the replicas did to one Redis list, so a demo (or a test) can check it. The list
 * is in Redis's own order: a record written inside a locked section lands after the records of
 * the section before it, whichever process wrote them.
 */
@Injectable()
export class RunLog implements OnApplicationShutdown {
  readonly #redis: Redis | undefined;

  constructor(@Inject(EXAMPLE_CONFIG) private readonly config: ExampleConfig) {
    this.#redis = config.redisUrl === undefined ? undefined : new Redis(config.redisUrl);
  }

  async record(event: string, details: Record<string, unknown> = {}): Promise<void> {
    const record: RunRecord = { ...details, replica: this.config.replica, event, at: Date.now() };
    const position = await this.#redis?.rpush(this.config.runLogKey, JSON.stringify(record));
    this.config.onRecord?.(record, position);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#redis?.quit();
  }
}
