import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { Locked } from 'lockwarden';
import { RunLog } from './run-log';

@Injectable()
export class BillingService {
  constructor(private readonly log: RunLog) {}

  /** One replica at a time per invoice; others wait (up to 10 s by default). */
  @Locked({ key: (invoiceId: string) => `invoice:${invoiceId}`, ttl: 10_000 })
  async charge(invoiceId: string): Promise<void> {
    await this.log.record('charge:start', { invoiceId });
    await delay(50);
    await this.log.record('charge:end', { invoiceId });
  }
}
