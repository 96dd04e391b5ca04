import type { RedisClient } from '../../src';

/**
 * A GLIDE-shaped fake: answers the server-version script with `version`, every other script
 * (a release, say) with 1, and records every command. `cluster` adds the sharded commands of a
 * cluster client.
 */
export function fakeGlide(version: number, cluster: boolean) {
  const commands: string[][] = [];
  const client = {
    invokeScript: () => Promise.reject(new Error('not used')),
    close: () => undefined,
    customCommand: (args: string[]) => {
      commands.push(args);
      if (args[0] === 'SCRIPT') return Promise.resolve('sha');
      if (args.includes('0') && args.length === 3) return Promise.resolve(version);
      return Promise.resolve(1);
    },
    ...(cluster && { ssubscribe: () => Promise.resolve() }),
  };
  return { client: client as unknown as RedisClient, commands };
}
