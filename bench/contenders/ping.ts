/**
 * Calibration: "acquire" and "release" are one bare PING each, so this row is two loopback round
 * trips through ioredis and nothing else, the floor under every lock on this machine.
 */
import type Redis from 'ioredis';
import { ioredisKind } from '../clients/ioredis';
import type { ContenderDefinition } from '../contender';

export const ping: ContenderDefinition<Redis> = {
  id: 'ping',
  label: '2 × PING',
  group: 'calibration',
  clientKind: ioredisKind,
  packages: ['ioredis'],
  scenarios: ['sequential', 'throughput'],
  async create(context) {
    const client = await context.connect();
    return {
      acquire: async () => {
        await client.ping();
        return { release: async () => void (await client.ping()) };
      },
      storageKey: (key) => key,
      close: () => context.disconnect(client),
    };
  },
};
