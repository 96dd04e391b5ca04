import { once } from 'node:events';
import { LockBusyError, LockStoreError, LockTimeoutError } from '../../../src';
import { nextEvent } from '../../support/next-event';
import { recordingLogger } from '../../support/recording-logger';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';
import { forkWorker, type WorkerProcess } from '../../support/workers/worker-process';

/** The worker's report of what happened to its lock after the disruption. */
interface Outcome {
  held: boolean;
  signalAborted: boolean;
  reasonName: string | null;
  reasonIsLockLostError: boolean;
  reconnectedBeforeLost: boolean;
  disconnected: boolean;
  lost: Array<{ errorName: string; isLockLostError: boolean; message: string }>;
  timeline: string[];
}

/** A worker's lock after a disruption struck while it was held. */
interface Disrupted {
  key: string;
  worker: WorkerProcess;
  /** The worker's report when it took the lock (`clientId`, `fence`, `token`). */
  held: Record<string, unknown>;
  outcome: Outcome;
}

describeWithLocalRedis('connection failures mid-hold (real redis-server)', () => {
  // A server per test: one of them restarts it, one kills it.
  const redis = useRedisServer({ perTest: true });
  const engines = useEngines(redis);

  async function killConnection(clientId: unknown): Promise<void> {
    expect(await redis.raw.client('KILL', 'ID', String(clientId))).toBe(1);
  }

  /** Let the worker finish: it releases (or re-acquires and releases) and reports. */
  async function finish(worker: WorkerProcess): Promise<Record<string, unknown>> {
    worker.send({ type: 'finish' });
    const report = await worker.next('report');
    expect(report['released']).toBe(true);
    expect(report['unhandled']).toEqual([]);
    return report;
  }

  /**
   * A worker holds `key` (ttl `ttl`) with its connection in `mode`; `disrupt` strikes while it
   * holds; then the worker reports what happened to its lock.
   */
  async function disruptWhileHeld(
    mode: string,
    key: string,
    ttl: number,
    disrupt: (held: Record<string, unknown>) => Promise<unknown>,
  ): Promise<Disrupted> {
    const worker = forkWorker('engine-connection.ts', [redis.url, mode, key, String(ttl)]);
    const held = await worker.next('held', 20_000);
    await disrupt(held);
    worker.send({ type: 'disrupted' });
    const outcome = (await worker.next('outcome')) as unknown as Outcome;
    return { key, worker, held, outcome };
  }

  /** The lock was reported lost, once; then the worker took the key again, with a larger fence. */
  async function expectLostThenTakenAgain({
    key,
    worker,
    held,
    outcome,
  }: Disrupted): Promise<void> {
    expect(outcome).toMatchObject({
      held: false,
      signalAborted: true,
      reasonName: 'LockLostError',
      reasonIsLockLostError: true,
      disconnected: true,
    });
    expect(outcome.lost).toHaveLength(1);
    expect(outcome.lost[0]).toMatchObject({ errorName: 'LockLostError', isLockLostError: true });

    const report = await finish(worker);
    // After a restart the remembered fence is gone; the server clock alone still moves it forward.
    expect(report['reacquiredFence']).toBeGreaterThan(held['fence'] as number);
    expect(await redis.raw.exists(`lw:{${key}}`)).toBe(0);
  }

  it('CLIENT KILL with a reconnect slower than the ttl: lost is reported, then the engine works again', async () => {
    const disrupted = await disruptWhileHeld('slow-reconnect', 'conn:slow', 600, (held) =>
      killConnection(held['clientId']),
    );
    // The local deadline fired while the connection was still down.
    expect(disrupted.outcome.reconnectedBeforeLost).toBe(false);
    await expectLostThenTakenAgain(disrupted);
  });

  it('CLIENT KILL with an immediate reconnect: the lock survives and renewals resume', async () => {
    const key = 'conn:fast';
    const { worker, held, outcome } = await disruptWhileHeld('fast-reconnect', key, 900, (h) =>
      killConnection(h['clientId']),
    );
    expect(outcome).toMatchObject({ held: true, signalAborted: false, disconnected: true });
    expect(outcome.lost).toEqual([]);
    // Renewals confirmed after the reconnection (the worker waited for two).
    const reconnected = outcome.timeline.indexOf('ready', outcome.timeline.indexOf('close'));
    expect(outcome.timeline.slice(reconnected).filter((e) => e === 'extended').length).toBe(2);

    // Still ours in Redis, and still expiring (renewed, not orphaned).
    expect(await redis.raw.hget(`lw:{${key}}`, 'o')).toBe(held['token']);
    expect(await redis.raw.pttl(`lw:{${key}}`)).toBeGreaterThan(0);

    await finish(worker);
    expect(await redis.raw.exists(`lw:{${key}}`)).toBe(0);
  });

  it('server restarted mid-hold: the lock is reported lost, then acquire and release work again', async () => {
    const key = 'conn:restart';
    const disrupted = await disruptWhileHeld('restart', key, 900, async () => {
      await redis.server.restart();
      // Nothing was persisted: the restarted server has no lock.
      expect(await redis.raw.exists(`lw:{${key}}`)).toBe(0);
    });
    await expectLostThenTakenAgain(disrupted);
  });

  it('Redis down during acquire: LockStoreError with a cause, never busy or timeout', async () => {
    // No offline queue and no retries: a command on a dead connection fails at once.
    const failFast = {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 200,
    };
    const logger = recordingLogger();
    const holderClient = redis.client(failFast);
    const waiterClient = redis.client(failFast);
    // Without an offline queue a command sent before the connection is up fails too.
    await Promise.all([holderClient, waiterClient].map((c) => once(c, 'ready')));
    const holderEngine = engines.create({ connection: holderClient, logger });
    const engine = engines.create({ connection: waiterClient, logger });
    const holderLock = await holderEngine.acquire('down:busy', { ttl: 30_000 });
    expect(holderLock.held).toBe(true);

    // A waiter is already waiting on the busy lock when Redis goes away.
    const contended = nextEvent(engine, 'contended');
    const waiting = engine.acquire('down:busy', { waitTimeout: 20_000, retryDelay: 50 }).then(
      () => 'acquired',
      (error: unknown) => error,
    );
    await contended;
    await redis.server.kill();

    const waitError = await waiting;
    expect(waitError).toBeInstanceOf(LockStoreError);
    expect(waitError).not.toBeInstanceOf(LockTimeoutError);
    expect(waitError).not.toBeInstanceOf(LockBusyError);
    expect((waitError as LockStoreError).code).toBe('LOCK_STORE');
    expect((waitError as LockStoreError).cause).toBeInstanceOf(Error);
    expect((waitError as LockStoreError).message).toMatch(/acquire of "down:busy"/);

    // Fresh calls while Redis is down fail the same way, and withLock never runs the function.
    let ran = false;
    const calls: Array<[string, Promise<unknown>]> = [
      ['acquire', engine.acquire('down:free', { waitTimeout: 5_000 })],
      ['tryAcquire', engine.tryAcquire('down:free')],
      ['withLock', engine.withLock('down:free', () => (ran = true), { waitTimeout: 5_000 })],
    ];
    for (const [name, call] of calls) {
      const error = await call.then(
        () => new Error(`${name} resolved`),
        (e: unknown) => e,
      );
      expect([name, error]).toEqual([name, expect.any(LockStoreError)]);
      expect((error as LockStoreError).cause).toBeInstanceOf(Error);
    }
    expect(ran).toBe(false);
  });
});
