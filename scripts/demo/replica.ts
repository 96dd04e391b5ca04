// One replica of examples/nestjs-app for `npm run demo`. It runs either as a forked process
// (Redis: options in argv[2], messages over IPC) or as a worker thread (the in-memory variant:
// options and a `link` port in workerData; its locks live in the main thread's MemoryLockStore,
// reached through the link, and its run records travel on the same link so that they arrive in
// the order they happened relative to the lock operations).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { LockEngine } from 'lockwarden';
import { getLockEngineToken } from 'lockwarden/nestjs';
import { BillingService } from '../../examples/nestjs-app/billing.service';
import { bootstrap } from '../../examples/nestjs-app/bootstrap';
import type { ExampleConfig } from '../../examples/nestjs-app/config';
import { LockActivity } from './lock-activity';
import { PortLockStore } from './port-lock-store';
import type { DemoCommand, ReplicaEvent, ReplicaOptions } from './protocol';
import { ReplicaLogger } from './replica-logger';
import { Traffic } from './traffic';

/** What a thread replica gets as `workerData`. */
export interface ThreadReplicaData {
  options: ReplicaOptions;
  link: MessagePort;
}

interface Channel {
  send(event: ReplicaEvent): void;
  onCommand(listener: (command: DemoCommand) => void): void;
  /** Send `last`, then end this replica once it is delivered. */
  finish(last: ReplicaEvent, code: number): void;
}

function processChannel(): Channel {
  // The demo is gone (it crashed or was killed): a replica must not outlive it.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (event) => process.send?.(event),
    onCommand: (listener) => process.on('message', listener),
    finish: (last, code) => {
      if (process.send) process.send(last, () => process.exit(code));
      else process.exit(code);
    },
  };
}

function threadChannel(port: NonNullable<typeof parentPort>): Channel {
  return {
    send: (event) => port.postMessage(event),
    onCommand: (listener) => port.on('message', listener),
    finish: (last, code) => {
      // A posted message is queued on the parent's side at once; exiting cannot lose it.
      port.postMessage(last);
      process.exit(code);
    },
  };
}

async function main(channel: Channel, options: ReplicaOptions, link?: MessagePort): Promise<void> {
  const config: ExampleConfig = {
    redisUrl: options.redisUrl,
    store: link ? new PortLockStore(link) : undefined,
    prefix: options.prefix,
    replica: options.name,
    runLogKey: options.runLogKey,
    jobDurationMs: options.jobDurationMs,
    onRecord: link
      ? (record) => link.postMessage({ type: 'record', record })
      : (record, position) => channel.send({ type: 'record', record, position: position ?? 0 }),
  };
  const app = await bootstrap(config, new ReplicaLogger((event) => channel.send(event)));
  const activity = new LockActivity(app.get<LockEngine>(getLockEngineToken()), 'invoice:', (e) =>
    channel.send(e),
  );
  const traffic = new Traffic(
    app.get(BillingService),
    options.callers,
    options.invoices,
    (error, first) => {
      activity.failed();
      if (first)
        channel.send({ type: 'log', level: 'error', text: `charge failed: ${String(error)}` });
    },
  );
  let closing = false;
  channel.onCommand((command) => {
    if (command.type === 'traffic') traffic.start();
    if (command.type !== 'close' || closing) return;
    closing = true;
    void (async () => {
      await traffic.stop();
      // Runs in progress finish and their locks are released (LockModule's shutdown).
      await app.close();
      // The module closes what it opened; the port store is ours.
      await config.store?.close?.();
      activity.stop();
      channel.finish({ type: 'closed', at: Date.now() }, 0);
    })().catch((error: unknown) => fail(channel, error));
  });
  channel.send({ type: 'ready', at: Date.now() });
}

function fail(channel: Channel, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  channel.finish({ type: 'fatal', error: text }, 1);
}

const thread = parentPort ? (workerData as ThreadReplicaData) : undefined;
const channel = parentPort ? threadChannel(parentPort) : processChannel();
const options = thread?.options ?? (JSON.parse(process.argv[2] ?? 'null') as ReplicaOptions | null);
if (!options) {
  fail(channel, new Error('replica.ts is started by scripts/demo (npm run demo), not by hand.'));
} else {
  main(channel, options, thread?.link).catch((error: unknown) => fail(channel, error));
}
