import { createRequire } from 'node:module';
import type { CommandCounter } from '../harness/command-counter';
import type { ClientKind } from './client-kind';

interface NodeRedisClient {
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: () => void): unknown;
}
interface NodeRedisLib {
  createClient(options: object): unknown;
}
type Queue = { prototype: { commandsToWrite(): Generator<Array<string | Buffer>> } };

const installed = new Map<string, CommandCounter>();

/**
 * node-redis of one major. Every command of every connection of that copy (duplicated
 * subscribers included) leaves through its commands queue's `commandsToWrite`, already encoded:
 * counted there, by the name at the head of the encoded command.
 */
function nodeRedisKind(name: string, packageName: string): ClientKind {
  // Loaded on first use: a worker of another kind never pays its load (see index.ts).
  const lib = (): NodeRedisLib => createRequire(__filename)(packageName) as NodeRedisLib;
  return {
    name,
    packageName,
    countCommands(counter) {
      if (installed.get(name) === counter) return;
      if (installed.has(name)) throw new Error(`${name} commands are already counted`);
      installed.set(name, counter);
      const require = createRequire(require_resolve(packageName));
      const queue = (require('@redis/client/dist/lib/client/commands-queue') as { default: Queue })
        .default;
      const original = queue.prototype.commandsToWrite;
      queue.prototype.commandsToWrite = function* (this: unknown) {
        for (const encoded of original.call(this)) {
          const head = encoded[0]?.toString() ?? '';
          counter.add((/^\*\d+\r\n\$\d+\r\n([^\r]+)/.exec(head)?.[1] ?? '?').toLowerCase());
          yield encoded;
        }
      };
    },
    async connect(url) {
      const client = lib().createClient({ url }) as NodeRedisClient;
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    async disconnect(client) {
      (client as NodeRedisClient).destroy();
    },
  };
}

function require_resolve(packageName: string): string {
  return require.resolve(`${packageName}/package.json`);
}

export const nodeRedisKinds: ClientKind[] = [
  nodeRedisKind('node-redis', 'redis'),
  nodeRedisKind('node-redis@5', 'redis5'),
];
