/**
 * Entry point of every worker process: receives its job (scenario, role, contender), counts the
 * commands of the contender's client kind, runs the role and sends back its result.
 */
import { CLIENT_KINDS } from '../clients';
import { allContenders } from '../contenders';
import { scenarioById } from '../scenarios';
import { commandCounter } from './command-counter';
import { Inbox, type Message } from './ipc';
import type { WorkerJob } from './workers';

const inbox = new Inbox(process);
// An orphaned worker must not outlive the bench.
process.on('disconnect', () => process.exit(0));

function send(message: Message): void {
  process.send?.(message);
}

async function main(): Promise<Record<string, unknown>> {
  const job = (await inbox.receive('job'))['job'] as WorkerJob;
  const definition = allContenders(CLIENT_KINDS).find((d) => d.id === job.contender);
  if (!definition) throw new Error(`unknown contender ${job.contender}`);
  const role = scenarioById(job.scenario).roles[job.role];
  if (!role) throw new Error(`scenario ${job.scenario} has no role ${job.role}`);
  const kind = definition.clientKind;
  kind.countCommands(commandCounter);
  const connections = {
    connect: () => kind.connect(job.url),
    disconnect: (client: unknown) => kind.disconnect(client),
  };
  return role({
    definition,
    params: job.params,
    counter: commandCounter,
    contender: () => definition.create(connections),
    ...connections,
    send,
    receive: (type) => inbox.receive(type),
  });
}

main().then(
  // IPC keeps order: once the result is out, the parent has everything; then leave at once
  // (timers of libraries that were not closed must not keep the worker alive).
  (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
  (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.send?.({ type: 'fatal', error: text }, () => process.exit(1));
  },
);
