import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { EXAMPLE_CONFIG, type ExampleConfig } from './config';

/** One line of the run log. */
export interface RunRecord {
  replica: string;
  /** What happened: `heartbeat:start`, `heartbeat:end`, `charge:start`, ... */
  event: string;
  /** Wall-clock time of the event, epoch ms. */
  at: number;
  [detail: string]: unknown;
}

/** Appends what the replicas did to a Redis list, so a demo (or a test) can check it. */
@Injectable()
export class RunLog implements OnApplicationShutdown {
  readonly #redis: Redis;

  constructor(@Inject(EXAMPLE_CONFIG) private readonly config: ExampleConfig) {
    this.#redis = new Redis(config.redisUrl);
  }

  async record(event: string, details: Record<string, unknown> = {}): Promise<void> {
    const record: RunRecord = { ...details, replica: this.config.replica, event, at: Date.now() };
    await this.#redis.rpush(this.config.runLogKey, JSON.stringify(record));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#redis.quit();
  }
}
