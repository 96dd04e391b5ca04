// The README's NestJS quick start, in one file. It runs as written in a CommonJS or an ESM
// project (with experimentalDecorators and emitDecoratorMetadata, as Nest requires) and exits.
// Run: node -r @swc-node/register examples/nestjs-quick-start.ts (Redis on REDIS_URL or 127.0.0.1:6379)
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { currentLock, Locked, LockModule, SingleInstanceCron } from 'lockwarden/nestjs';

@Injectable()
export class Billing {
  // One replica at a time per invoice; the others wait (up to 10 s by default).
  @Locked({ key: (invoiceId: string) => `invoice:${invoiceId}`, ttl: 10_000 })
  async charge(invoiceId: string): Promise<string> {
    return `charged ${invoiceId} holding ${currentLock()?.key}`;
  }

  // Every minute, on exactly one of the replicas that run this application.
  @SingleInstanceCron('0 * * * * *', { name: 'billing.sweep' })
  async sweep(): Promise<void> {
    console.log('sweeping on this replica only');
  }
}

@Module({
  imports: [
    ScheduleModule.forRoot(),
    // The module opens this connection, and closes it when the application shuts down.
    LockModule.forRoot({ redis: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' }),
  ],
  providers: [Billing],
})
export class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    console.log(await app.get(Billing).charge('INV-7'));
  } finally {
    await app.close(); // releases what is still held and closes the module's connection
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
