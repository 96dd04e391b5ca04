/**
 * What must not outlive the bench: its redis-server, its workers and its compiled files. Each
 * registers a synchronous clean-up; on Ctrl-C, SIGTERM, an uncaught error or a normal exit every
 * one still registered runs (processes are stopped by PID).
 */
const cleanups = new Set<() => void>();
let installed = false;

/** Run `cleanup` if the bench stops before the returned undo is called. */
export function onExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Kill the process `pid` (SIGKILL) if the bench stops before the returned undo is called. */
export function killOnExit(pid: number): () => void {
  return onExit(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
}

function runAll(): void {
  // Last registered first: workers before the server they use, both before the files they run.
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) cleanup();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping redis-server and workers`);
      runAll();
      process.exit(code);
    });
  }
  process.once('exit', runAll);
}
