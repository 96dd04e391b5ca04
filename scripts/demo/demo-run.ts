import type { Backend } from './backend';
import { sleepUntil, waitUntil } from './bounded-wait';
import { KILL_EVENT, readLedger, tickOf, type LoggedRecord } from './ledger';
import type { LiveView } from './live-view';
import { Observations } from './observations';
import type { ReplicaHandle } from './protocol';
import { crossCheckRunLog } from './run-log-cross-check';
import { clock, seconds, summarize, type DemoReport } from './summary';

/** The shape of one demo run. */
export interface DemoSettings {
  /** How long the replicas run together; the kill comes halfway. */
  seconds: number;
  replicas: readonly string[];
  /** The heartbeat job's record prefix and its schedule's interval. */
  job: string;
  intervalMs: number;
  /** One heartbeat run, ms: below the interval. */
  jobDurationMs: number;
  /** `@Locked` callers per replica, and the invoices they charge. */
  callers: number;
  invoices: readonly string[];
  prefix: string;
  runLogKey: string;
  /** Bounds of the demo's waits. */
  startupTimeoutMs: number;
  killTimeoutMs: number;
  shutdownTimeoutMs: number;
}

/** A row for second S is printed once S's runs and records have surely arrived. */
const ROW_DELAY_MS = 1_250;
/** Ticks this close to start-up or shutdown are not held to "exactly once". */
const WINDOW_MARGIN_MS = 500;

/**
 * Start the replicas, let them work, SIGKILL the one running the job halfway, shut the others
 * down, and read what happened. Every wait is bounded and shown; whatever happens, no replica is
 * left running.
 */
export async function runDemo(
  backend: Backend,
  view: LiveView,
  settings: DemoSettings,
  signal: AbortSignal,
): Promise<DemoReport> {
  const seen = new Observations();
  const replicas: ReplicaHandle[] = [];
  const n = settings.replicas.length;
  const started = Date.now();
  let finishing = false;
  let kill: { replica: string; where: string; how: string; at: number } | undefined;

  try {
    for (const name of settings.replicas) {
      const replica = backend.startReplica({
        name,
        prefix: settings.prefix,
        runLogKey: settings.runLogKey,
        jobDurationMs: settings.jobDurationMs,
        callers: settings.callers,
        invoices: settings.invoices,
      });
      replica.onEvent((event) => {
        seen.take(name, event);
        if (event.type === 'log') view.event(event.level, `${view.name(name)}: ${event.text}`);
        if (event.type === 'fatal')
          view.event('error', `${view.name(name)} crashed: ${event.error}`);
      });
      void replica.exited.then(() => {
        if (finishing || kill?.replica === name || seen.closed.has(name)) return;
        seen.problems.push(`${name} (${replica.where}) exited unexpectedly`);
        view.event(
          'error',
          `${view.name(name)} (${replica.where}) exited unexpectedly:\n${replica.output.join('\n')}`,
        );
      });
      replicas.push(replica);
    }
    view.status(
      () =>
        `waiting for ${n} replicas to start (compiling TypeScript, booting Nest): ${seen.ready.size} of ${n} ready ` +
        `(${seconds(Date.now() - started)}, up to ${settings.startupTimeoutMs / 1_000} s)`,
    );
    await waitUntil(() => seen.ready.size === n, {
      timeoutMs: settings.startupTimeoutMs,
      what: `${n} replicas to start`,
      signal,
      failed: () => seen.problems[0],
    });
    const allReady = Date.now();
    view.event(
      'info',
      `${n} replicas ready after ${seconds(allReady - started)}: ${replicas.map((r) => `${view.name(r.name)} (${r.where})`).join(', ')}`,
    );
    for (const replica of replicas) replica.send({ type: 'traffic' });
    view.blank();
    view.tableHeader();

    const end = allReady + settings.seconds * 1_000;
    const killFrom = allReady + (settings.seconds * 1_000) / 2;
    let nextRow = Math.ceil(allReady / settings.intervalMs) * settings.intervalMs;
    const printRows = (upTo: number): void => {
      for (; nextRow + ROW_DELAY_MS <= upTo; nextRow += settings.intervalMs) printRow(nextRow);
    };
    const printRow = (at: number): void => {
      const ledger = readLedger({
        records: seen.records,
        skips: seen.skips,
        job: settings.job,
        intervalMs: settings.intervalMs,
        window: { first: at, last: at },
        kill,
      });
      const tick = ledger.ticks[0]!;
      const second = Math.floor(at / 1_000);
      view.row({
        ...tick,
        sections: ledger.perSecond.get(second)?.sections ?? 0,
        handoffsAcross: ledger.perSecond.get(second)?.handoffsAcross ?? 0,
        waited: seen.activityIn(second).waited,
      });
    };
    const rows = setInterval(() => printRows(Date.now()), 100);

    const alive = (): string =>
      replicas
        .map(
          (r) =>
            `${view.name(r.name)} ${r.running ? 'up' : kill?.replica === r.name ? 'killed' : 'down'}`,
        )
        .join('  ');
    try {
      const running = (): string =>
        `running ${seconds(Date.now() - allReady)} of ${settings.seconds} s · ${alive()} · Ctrl-C stops`;
      view.status(running);
      await sleepUntil(killFrom, signal);

      // The victim: the replica whose heartbeat run start arrives next, killed from the event
      // handler itself so that its 400 ms run is still going. The log then shows it: a start
      // without an end (the summary checks that rather than trusting the timing).
      let victim: { replica: ReplicaHandle; logged: LoggedRecord } | undefined;
      seen.onRecord((logged) => {
        if (victim || logged.record.event !== `${settings.job}:start`) return;
        const replica = replicas.find((r) => r.name === logged.record.replica && r.running);
        if (!replica) return;
        kill = {
          replica: replica.name,
          where: replica.where,
          how: backend.killName,
          at: Date.now(),
        };
        victim = { replica, logged };
        void replica.kill();
      });
      view.status(
        () =>
          `waiting for a replica to start a heartbeat run, to end it mid-run (up to ${settings.killTimeoutMs / 1_000} s) · ${alive()}`,
      );
      await waitUntil(() => victim !== undefined, {
        timeoutMs: settings.killTimeoutMs,
        what: 'a replica to start a heartbeat run',
        signal,
      });
      const { replica: dead, logged } = victim!;
      await dead.exited;
      // In the run log, everything after this record happened after the victim was gone.
      const marker = { replica: dead.name, event: KILL_EVENT, at: Date.now() };
      seen.records.push({ position: await backend.append(marker), record: marker });
      printRows(kill!.at);
      view.event(
        'kill',
        `${backend.killName} ${view.name(dead.name)} (${dead.where}) while it runs tick ${clock(tickOf(logged.record, settings.intervalMs))}: ` +
          'its run started and will never end',
        kill!.at,
      );
      await reportDeadLocks(backend, view, seen, dead.name, settings.job, settings.intervalMs);
      watchTakeover(view, seen, settings, kill!);

      view.status(running, { printPlain: false });
      await sleepUntil(end, signal);
    } finally {
      clearInterval(rows);
    }

    const closeAt = Date.now();
    finishing = true;
    const survivors = replicas.filter((r) => r.running);
    for (const replica of survivors) replica.send({ type: 'close' });
    view.status(
      () =>
        `shutting down ${survivors.length} replicas: runs in progress finish, locks are released ` +
        `(${seconds(Date.now() - closeAt)}, up to ${settings.shutdownTimeoutMs / 1_000} s)`,
    );
    await waitUntil(() => survivors.every((r) => !r.running), {
      timeoutMs: settings.shutdownTimeoutMs,
      what: `${survivors.length} replicas to shut down`,
      signal,
    });
    for (const replica of survivors) {
      if (!seen.closed.has(replica.name))
        seen.problems.push(`${replica.name} did not shut down cleanly`);
    }

    const window = {
      first: Math.ceil((allReady + WINDOW_MARGIN_MS) / settings.intervalMs) * settings.intervalMs,
      last: Math.floor((closeAt - WINDOW_MARGIN_MS) / settings.intervalMs) * settings.intervalMs,
    };
    for (; nextRow <= window.last; nextRow += settings.intervalMs) printRow(nextRow);
    view.endTable();
    view.status(() => 'reading the run log');
    return await conclude(backend, seen, settings, window, kill);
  } finally {
    finishing = true;
    await stopAll(replicas, view);
  }
}

/** Read the ledger from the replicas' reports, cross-check it with Redis, and summarize. */
async function conclude(
  backend: Backend,
  seen: Observations,
  settings: DemoSettings,
  window: { first: number; last: number },
  kill: { replica: string; where: string; how: string; at: number } | undefined,
): Promise<DemoReport> {
  const read = (records: readonly LoggedRecord[]) =>
    readLedger({
      records,
      skips: seen.skips,
      job: settings.job,
      intervalMs: settings.intervalMs,
      window,
      kill,
    });
  const ledger = read(seen.records);
  const redisList = await backend.readRunLog();
  const crossCheck = redisList && crossCheckRunLog(seen.records, redisList, kill?.replica);
  return summarize({
    backend: backend.kind,
    intervalMs: settings.intervalMs,
    ledger,
    redis: crossCheck && { crossCheck, ledger: read(crossCheck.redisRecords) },
    traffic: seen.traffic,
    kill,
    problems: seen.problems,
  });
}

/** Show the locks the killed replica still held, as the store sees them now. */
async function reportDeadLocks(
  backend: Backend,
  view: LiveView,
  seen: Observations,
  victim: string,
  job: string,
  intervalMs: number,
): Promise<void> {
  const open = new Map<string, LoggedRecord>();
  for (const logged of [...seen.records].sort((a, b) => a.position - b.position)) {
    const { lock, event } = logged.record;
    if (!lock) continue;
    if (event.endsWith(':start')) open.set(lock, logged);
    else if (open.get(lock)?.record.replica === logged.record.replica) open.delete(lock);
  }
  for (const [lock, logged] of open) {
    if (logged.record.replica !== victim) continue;
    const info = await backend.inspect(lock);
    // Same fence: the lock in the store is still the one the dead replica took.
    const held = info && info.fence === logged.record.fence;
    const isRun = logged.record.event.startsWith(`${job}:`);
    // overlap: 'allow' names the run lock after its tick; one shared run lock means 'skip'.
    const perTick = /:run:\d+$/.test(lock);
    const what = isRun ? `its run lock of tick ${clock(tickOf(logged.record, intervalMs))}` : lock;
    const why = !isRun
      ? 'callers of that invoice wait until then'
      : perTick
        ? 'it blocks no later tick: each tick takes its own run lock'
        : 'later ticks are skipped until then (overlap: skip)';
    view.event(
      'info',
      held
        ? `${view.name(victim)} still holds ${what}: nobody renews it now, it lapses in ${seconds(info.ttl)}; ${why}`
        : `${view.name(victim)} was inside ${what}; the store no longer has its lock`,
    );
  }
}

/** Print the takeover (the next run on another replica) and each dead lock's next holder. */
function watchTakeover(
  view: LiveView,
  seen: Observations,
  settings: DemoSettings,
  kill: { replica: string; at: number },
): void {
  let tookOver = false;
  const deadLocks = new Set<string>();
  for (const { record } of [...seen.records].sort((a, b) => a.position - b.position)) {
    if (record.replica === kill.replica && record.lock && record.event.endsWith(':start'))
      deadLocks.add(record.lock);
    if (record.replica === kill.replica && record.lock && record.event.endsWith(':end'))
      deadLocks.delete(record.lock);
  }
  seen.onRecord(({ record }) => {
    if (record.replica === kill.replica || !record.event.endsWith(':start')) return;
    if (!tookOver && record.event === `${settings.job}:start`) {
      tookOver = true;
      view.event(
        'takeover',
        `${view.name(record.replica)} took over: it runs tick ${clock(tickOf(record, settings.intervalMs))}, ` +
          `${seconds(record.at - kill.at)} after the kill`,
        record.at,
      );
    }
    if (
      record.lock &&
      deadLocks.delete(record.lock) &&
      !record.event.startsWith(`${settings.job}:`)
    ) {
      view.event(
        'info',
        `${view.name(record.replica)} entered ${record.lock} once the dead replica's lock lapsed, ${seconds(record.at - kill.at)} after the kill`,
        record.at,
      );
    }
  });
}

/** Make sure no replica outlives the demo: close the running ones, kill what does not stop. */
async function stopAll(replicas: readonly ReplicaHandle[], view: LiveView): Promise<void> {
  const running = replicas.filter((r) => r.running);
  if (running.length === 0) return;
  view.status(() => `stopping ${running.length} replica(s) (up to 5 s, then SIGKILL)`);
  for (const replica of running) replica.send({ type: 'close' });
  const ac = new AbortController();
  await waitUntil(() => running.every((r) => !r.running), {
    timeoutMs: 5_000,
    what: 'replicas to stop',
    signal: ac.signal,
  }).catch(() => undefined);
  await Promise.all(running.filter((r) => r.running).map((r) => r.kill()));
}
