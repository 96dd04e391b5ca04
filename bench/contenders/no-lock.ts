/**
 * Sanity check of the overlap detector: "acquire" resolves at once without Redis, so loops run
 * their critical sections on top of each other and the hot-key scenario must report overlaps.
 */
import type Redis from 'ioredis';
import { ioredisKind } from '../clients/ioredis';
import type { ContenderDefinition } from '../contender';

export const noLock: ContenderDefinition<Redis> = {
  id: 'no-lock',
  label: 'no lock at all (sanity)',
  group: 'sanity',
  clientKind: ioredisKind,
  packages: [],
  note: 'takes no lock; must show overlaps',
  scenarios: ['hot-key'],
  hidden: true,
  async create() {
    return {
      acquire: async () => ({ release: async () => undefined }),
      storageKey: (key) => key,
      close: async () => undefined,
    };
  },
};
