import { storeKeyOf } from '../../src/engine/store-key';
import {
  fenceKeyOf,
  queueKeyOf,
  releaseChannelOf,
  waiterDeadlinesKeyOf,
  waiterRecordsKeyOf,
} from '../../src/stores/redis-lock-store';

/**
 * Every Redis name a lock key has, as the engine and `RedisLockStore` build them: the lock, its
 * fence key, fair queue, waiter deadlines, waiter grant records and release channel.
 */
export function redisNamesOf(prefix: string, key: string): string[] {
  const lock = storeKeyOf(prefix, key);
  return [
    lock,
    fenceKeyOf(lock),
    queueKeyOf(lock),
    waiterDeadlinesKeyOf(lock),
    waiterRecordsKeyOf(lock),
    releaseChannelOf(lock),
  ];
}
