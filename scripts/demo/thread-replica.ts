import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { LockStore } from 'lockwarden';
import type { RunRecord } from '../../examples/nestjs-app/run-log';
import { servePortLockStore } from './port-lock-store-server';
import type { DemoCommand, ReplicaEvent, ReplicaHandle, ReplicaOptions } from './protocol';
import type { ThreadReplicaData } from './replica';
import { OutputTail } from './output-tail';

const REPLICA = join(__dirname, 'replica.ts');

/**
 * Start a replica as a worker thread of this process, its locks in `store` (served over a port).
 * Its run records come over that same port, after the lock operations that preceded them, and
 * `append` gives each its position in the run log.
 */
export function startThreadReplica(
  options: ReplicaOptions,
  store: LockStore,
  append: (record: RunRecord) => number,
): ReplicaHandle {
  const listeners: Array<(event: ReplicaEvent) => void> = [];
  const emit = (event: ReplicaEvent): void => listeners.forEach((listener) => listener(event));
  const { port1, port2 } = new MessageChannel();
  const served = servePortLockStore(port1, store, (message) => {
    const { type, record } = message as { type?: string; record?: RunRecord };
    if (type === 'record' && record) emit({ type: 'record', record, position: append(record) });
  });
  // Worker only takes .js files; the eval'd line loads the TypeScript through the require hook.
  const worker = new Worker(`require(${JSON.stringify(REPLICA)});`, {
    eval: true,
    workerData: { options, link: port2 } satisfies ThreadReplicaData,
    transferList: [port2],
    execArgv: ['-r', '@swc-node/register'],
    stdout: true,
    stderr: true,
  });
  const output = new OutputTail();
  worker.stdout.on('data', (chunk: Buffer) => output.append(chunk));
  worker.stderr.on('data', (chunk: Buffer) => output.append(chunk));
  worker.on('message', (event: ReplicaEvent) => emit(event));
  worker.on('error', (error) => emit({ type: 'fatal', error: error.stack ?? error.message }));
  let running = true;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      running = false;
      // A terminated thread never unsubscribed; its port's subscriptions go with it.
      served.close();
      resolve();
    }),
  );
  return {
    name: options.name,
    where: `thread ${worker.threadId}`,
    onEvent: (listener) => listeners.push(listener),
    send: (command: DemoCommand) => {
      if (running) worker.postMessage(command);
    },
    async kill() {
      await worker.terminate();
      await exited;
    },
    exited,
    get running() {
      return running;
    },
    get output() {
      return output.lines;
    },
  };
}
