import type { Redis } from 'ioredis';
import { useForFile } from '../use-for-file';
import { startRedisMasters, type RedisMasters } from './redis-masters';

/** The masters of the current file, ready inside hooks that run after them and in tests. */
export interface RedisMastersHandle {
  readonly masters: RedisMasters;
  /** One client per master, in order, shared by the file's tests (for raw checks). */
  readonly clients: Redis[];
}

/**
 * Start `count` independent redis-servers for this file (in `beforeAll`), stopped after the file
 * once everything made while they ran is closed. Call it inside `describeWithLocalRedis`.
 */
export function useRedisMasters(count: number): RedisMastersHandle {
  return useForFile<RedisMastersHandle>(
    'useRedisMasters(): the masters',
    ['masters', 'clients'],
    async () => {
      const masters = await startRedisMasters(count);
      return { masters, clients: masters.clients() };
    },
    30_000,
  );
}
