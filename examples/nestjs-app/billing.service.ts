import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { currentLock, Locked } from 'lockwarden';
import { RunLog } from './run-log';

@Injectable()
export class BillingService {
  constructor(private readonly log: RunLog) {}

  /**
   * One replica at a time per invoice; others wait (up to 10 s by default). The lock is renewed
   * while a charge runs, so its ttl only says how long a replica that dies mid-charge blocks the
   * invoice.
   */
  @Locked({ key: (invoiceId: string) => `invoice:${invoiceId}`, ttl: 3_000 })
  async charge(invoiceId: string): Promise<void> {
    const lock = currentLock();
    await this.log.record('charge:start', { invoiceId, lock: lock?.key, fence: lock?.fence });
    await delay(50);
    await this.log.record('charge:end', { invoiceId, lock: lock?.key, fence: lock?.fence });
  }
}
