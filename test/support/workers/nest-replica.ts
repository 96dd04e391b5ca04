// One replica of examples/nestjs-app, forked by test/nestjs/multi-replica.test.ts:
//   forkWorker('nest-replica.ts', [JSON.stringify(options)], { captureOutputAs: replica })
// @swc-node/register compiles the TypeScript (decorators + metadata, tsconfig paths so that
// `lockwarden` and `lockwarden/nestjs` are the sources); Node 20.19+ `require()`s the ESM-only
// @nestjs packages. Reports over IPC: ready (cron jobs started), closing, closed; shuts down
// when told ({ type: 'close' }).
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Settings } from 'luxon';
import { BillingService } from '../../../examples/nestjs-app/billing.service';
import { bootstrap } from '../../../examples/nestjs-app/bootstrap';
import type { ExampleConfig } from '../../../examples/nestjs-app/config';
import { skippingJobProviders } from './skipping-job';

/** What the test tells a replica. */
export interface ReplicaOptions extends Omit<ExampleConfig, 'clock'> {
  /** This replica's clock runs this many ms ahead (negative: behind). */
  skewMs: number;
  /** Shut down gracefully after this long at the latest (the test normally says when). */
  runForMs: number;
  /** Call the `@Locked` BillingService.charge this many times right after start-up. */
  charges: number;
  /** Also run the `test.sweep` job (overlap: 'skip'), each run taking this long. */
  sweepDurationMs?: number;
}

/** What the test tells a running replica: shut down gracefully now. */
export interface CloseMessage {
  type: 'close';
}

/** What a replica tells the test. */
export type ReplicaMessage =
  { type: 'ready'; at: number } | { type: 'closing'; at: number } | { type: 'closed'; at: number };

const options = JSON.parse(process.argv[2] ?? '{}') as ReplicaOptions;

// The clock is patched on the luxon that cron uses; make sure that is the one imported here.
if (
  require.resolve('luxon') !==
  require.resolve('luxon', { paths: [dirname(require.resolve('cron'))] })
) {
  throw new Error('nest-replica: cron uses another copy of luxon; the skew would not apply');
}

function send(message: ReplicaMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const skew = options.skewMs;
  let clock: (() => number) | undefined;
  if (skew !== 0) {
    // A machine whose clock is off: @nestjs/schedule (cron reads time through luxon) fires by
    // it, and the lock module names ticks by it. The system clock is not touched.
    clock = () => Date.now() + skew;
    Settings.now = clock;
  }
  const extra =
    options.sweepDurationMs === undefined ? [] : skippingJobProviders(options.sweepDurationMs);
  const app = await bootstrap({ ...options, clock }, ['warn', 'error'], extra);
  send({ type: 'ready', at: Date.now() });
  const billing = app.get(BillingService);
  await Promise.all(Array.from({ length: options.charges }, () => billing.charge('inv-42')));
  const ac = new AbortController();
  process.on('message', (message: CloseMessage) => {
    if (message.type === 'close') ac.abort();
  });
  await delay(options.runForMs, undefined, { signal: ac.signal }).catch(() => undefined);
  send({ type: 'closing', at: Date.now() });
  await app.close();
  send({ type: 'closed', at: Date.now() });
  process.disconnect?.();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
