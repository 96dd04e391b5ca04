import type * as Glide from '@valkey/valkey-glide';
import type { GlideClient } from '@valkey/valkey-glide';
import { createRequire } from 'node:module';
import type { CommandCounter } from '../harness/command-counter';
import type { ClientKind } from './client-kind';

/** GLIDE, loaded on first use: a worker of another kind never pays its load (see index.ts). */
function glide(): typeof Glide {
  return createRequire(__filename)('@valkey/valkey-glide') as typeof Glide;
}

let installed: CommandCounter | undefined;

type CustomCommand = (this: GlideClient, args: string[], ...rest: unknown[]) => Promise<unknown>;

/**
 * Valkey GLIDE. Its commands are written by its native core, out of reach; lockwarden sends all
 * of them through `customCommand`, counted there. The subscriber's SUBSCRIBE/UNSUBSCRIBE (once
 * per waited-for key) are not counted.
 */
export const glideKind: ClientKind<GlideClient> = {
  name: 'glide',
  packageName: '@valkey/valkey-glide',
  countCommands(counter) {
    if (installed === counter) return;
    if (installed) throw new Error('GLIDE commands are already counted by another counter');
    installed = counter;
    const prototype = glide().GlideClient.prototype as unknown as { customCommand: CustomCommand };
    const original = prototype.customCommand;
    prototype.customCommand = function (this: GlideClient, args, ...rest) {
      counter.add(String(args[0]).toLowerCase());
      return original.call(this, args, ...rest);
    };
  },
  async connect(url) {
    const { hostname, port } = new URL(url);
    return glide().GlideClient.createClient({
      addresses: [{ host: hostname, port: Number(port) }],
    });
  },
  async disconnect(client) {
    client.close();
  },
};
