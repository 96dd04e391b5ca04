import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { DemoCommand, ReplicaEvent, ReplicaHandle, ReplicaOptions } from './protocol';
import { OutputTail } from './output-tail';

const ROOT = join(__dirname, '../..');
const REPLICA = join(__dirname, 'replica.ts');

/** Start a replica as its own Node process (`fork`, TypeScript through @swc-node/register). */
export function forkReplica(options: ReplicaOptions): ReplicaHandle {
  const child = fork(REPLICA, [JSON.stringify(options)], {
    cwd: ROOT,
    execArgv: ['-r', '@swc-node/register'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: Ctrl-C reaches the demo alone, which then stops replicas in order.
    detached: true,
  });
  const output = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A failed spawn emits 'error' and no 'exit'.
  const spawnFailed = new Promise<void>((resolve) =>
    child.once('error', (error) => {
      output.append(`${error.message}\n`);
      resolve();
    }),
  );
  const gone = Promise.race([exited, spawnFailed]);
  return {
    name: options.name,
    where: `pid ${child.pid ?? '?'}`,
    onEvent: (listener: (event: ReplicaEvent) => void) => child.on('message', listener),
    send(command: DemoCommand) {
      if (child.connected) child.send(command);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await gone;
    },
    exited: gone,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    get output() {
      return output.lines;
    },
  };
}
