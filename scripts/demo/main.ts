// `npm run demo`: three replicas of examples/nestjs-app share one Redis (or, without Redis, one
// MemoryLockStore in one process); a @SingleInstanceCron job runs each second on exactly one of
// them, @Locked traffic hands a lock between them, and halfway the replica running the job is
// SIGKILLed mid-run. Ends with a summary; the exit code is 0 only if every claim in it holds.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Backend } from './backend';
import { chooseBackend } from './choose-backend';
import { demoOptions } from './demo-options';
import { runDemo, type DemoSettings } from './demo-run';
import { LiveView } from './live-view';

async function main(): Promise<number> {
  let options;
  try {
    options = demoOptions();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const view = LiveView.forStdout();
  const ac = new AbortController();
  let backend: Backend | undefined;
  const interrupt = (signal: NodeJS.Signals): void => {
    if (ac.signal.aborted) {
      // Second Ctrl-C: no more waiting. Replicas exit when this process's IPC goes away.
      backend?.abandon();
      process.exit(130);
    }
    ac.abort(new Error(`interrupted (${signal})`));
    view.line(`${signal}: stopping the replicas and Redis (up to 10 s; again to force)`);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, interrupt);

  const id = randomBytes(3).toString('hex');
  const settings: DemoSettings = {
    seconds: options.seconds,
    replicas: ['a', 'b', 'c'],
    job: 'heartbeat',
    intervalMs: 1_000,
    jobDurationMs: 400,
    callers: 6,
    invoices: ['inv-1', 'inv-2', 'inv-3'],
    prefix: `lwdemo-${id}`,
    runLogKey: `lwdemo-${id}:runs`,
    startupTimeoutMs: 60_000,
    killTimeoutMs: 3_000,
    shutdownTimeoutMs: 20_000,
  };
  let closed = false;
  const close = async (b: Backend): Promise<void> => {
    if (closed) return;
    closed = true;
    view.status(() => `closing ${b.closing}`);
    await b.close();
  };
  view.title(
    `lockwarden demo: ${settings.replicas.length} replicas of examples/nestjs-app, one lock store`,
  );
  try {
    backend = await chooseBackend(options.redisUrl, settings, (text, loud) =>
      loud ? view.event('warn', text) : view.status(() => text),
    );
    describePlan(view, backend, settings);
    const report = await runDemo(backend, view, settings, ac.signal);
    await close(backend);
    view.close();
    view.summary(report);
    if (options.reportFile)
      writeFileSync(options.reportFile, `${JSON.stringify(report, null, 2)}\n`);
    return report.passed ? 0 : 1;
  } catch (error) {
    if (backend) await close(backend);
    view.close();
    if (ac.signal.aborted) {
      view.line(`stopped (${String((ac.signal.reason as Error).message)}): no summary`);
      return 130;
    }
    view.line(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function describePlan(view: LiveView, backend: Backend, s: DemoSettings): void {
  const processes =
    backend.kind === 'redis'
      ? 'separate Node processes (fork), each a Nest app with LockModule'
      : 'worker threads of THIS process (single-process variant), each a Nest app with LockModule';
  view.replicas(s.replicas);
  view.fact('locks', backend.description);
  view.fact('replicas', `${s.replicas.map((r) => view.name(r)).join(', ')}: ${processes}`);
  view.fact(
    'job',
    `HeartbeatJob.beat: @SingleInstanceCron('* * * * * *', { overlap: 'allow' }), ${s.jobDurationMs} ms a run`,
  );
  view.fact(
    'traffic',
    `BillingService.charge: @Locked per invoice, ${s.callers} callers per replica on ${s.invoices.join(', ')}`,
  );
  view.fact(
    'plan',
    `${s.seconds} s together; after ${s.seconds / 2} s the replica running the job is ${backend.kind === 'redis' ? 'SIGKILLed' : 'terminated'} mid-run`,
  );
  view.note(
    "Why overlap: 'allow': each tick takes its own run lock, so a replica that dies mid-run blocks no " +
      'later tick, and every tick runs exactly once (the one cut off is not run again). With the default ' +
      "'skip', the dead replica's run lock would make the next ticks skip until its ttl (1.5 s) lapsed: " +
      'those ticks would run zero times.',
  );
}

void main().then((code) => process.exit(code));
