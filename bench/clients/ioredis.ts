import Redis, { Command } from 'ioredis';
import type { CommandCounter } from '../harness/command-counter';
import type { ClientKind } from './client-kind';

let installed: CommandCounter | undefined;

export const ioredisKind: ClientKind<Redis> = {
  name: 'ioredis',
  packageName: 'ioredis',
  countCommands(counter) {
    if (installed === counter) return;
    if (installed) throw new Error('ioredis commands are already counted by another counter');
    installed = counter;
    // Every command goes through Command#toWritable when it is written to the socket: pipelines,
    // MULTI, duplicated connections, and scripts, whose command turns from EVALSHA into EVAL
    // right there when the script is not loaded yet. So this counts what is on the wire, by the
    // name the server sees.
    const original = Command.prototype.toWritable;
    Command.prototype.toWritable = function (this: Command, socket) {
      counter.add(this.name.toLowerCase());
      return original.call(this, socket);
    };
  },
  async connect(url) {
    // CLIENT SETINFO (sent by default) is unknown to Redis < 7.2, which then counts it nowhere;
    // without it the client-side counts and INFO commandstats can be compared exactly.
    const client = new Redis(url, { lazyConnect: true, disableClientInfo: true });
    await client.connect();
    return client;
  },
  async disconnect(client) {
    client.disconnect();
  },
};
