// The README's @Locked examples in plain TypeScript (no framework).
// Run: node -r @swc-node/register examples/plain-typescript.ts
// Locks live in an in-process MemoryLockStore, or in Redis when REDIS_URL is set.
import { setTimeout as pause } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  configureLocks,
  currentLock,
  LockEngine,
  Locked,
  MemoryLockStore,
  RedisLockStore,
} from 'lockwarden';

interface Invoice {
  id: string;
  total: number;
}

class Accounts {
  readonly balances = new Map<string, number>();
  readonly sent: string[] = [];

  // The key function is checked against credit's parameters by the compiler.
  @Locked({ key: (id: string, _amount: number) => `account:${id}`, ttl: 5_000 })
  async credit(id: string, amount: number): Promise<number> {
    const balance = (this.balances.get(id) ?? 0) + amount;
    await pause(5); // read, wait, write: unsafe without the lock
    this.balances.set(id, balance);
    return balance;
  }

  // Key from the arguments; if another call holds it, this one resolves undefined at once.
  @Locked({ key: 'invoice:{0.id}', onBusy: 'skip' })
  async send(invoice: Invoice): Promise<boolean | undefined> {
    await pause(5);
    this.sent.push(invoice.id);
    return true;
  }

  // Key defaults to 'Accounts.audit'.
  @Locked()
  async audit(): Promise<string | undefined> {
    return currentLock()?.key;
  }
}

async function main(): Promise<void> {
  const url = process.env['REDIS_URL'];
  const redis = url === undefined ? undefined : new Redis(url);
  const store = redis === undefined ? new MemoryLockStore() : new RedisLockStore(redis);
  const engine = new LockEngine({ store });
  configureLocks(engine);
  const accounts = new Accounts();

  await Promise.all(Array.from({ length: 10 }, () => accounts.credit('acc-1', 10)));
  console.log(`balance after 10 concurrent credits of 10: ${accounts.balances.get('acc-1')}`);

  const invoice = { id: 'INV-7', total: 120 };
  const [first, second] = await Promise.all([accounts.send(invoice), accounts.send(invoice)]);
  console.log(`send twice at once: ${first} then ${second} (sent ${accounts.sent.length}x)`);

  console.log(`audit ran under the lock "${await accounts.audit()}"`);
  await engine.close();
  await store.close();
  await redis?.quit();
}

void main();
