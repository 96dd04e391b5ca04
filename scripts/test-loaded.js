// Runs the Jest suite while two busy-loop processes keep both cores busy, as other test runs on
// a shared machine do. Tests must pass here too: they may assert ordering and causality, never
// timing or one particular interleaving of a race.
// Usage: node scripts/test-loaded.js [jest arguments]   (npm run test:loaded -- [jest arguments])
const { spawn } = require('node:child_process');

// Each loop spins in 50 ms slices so it still notices (through its IPC channel) when this script
// goes away, and never outlives it.
const SPIN = `
  process.on('disconnect', () => process.exit(0));
  const spin = () => { const end = Date.now() + 50; while (Date.now() < end); setImmediate(spin); };
  spin();
`;
const loops = [0, 1].map(() =>
  spawn(process.execPath, ['-e', SPIN], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
);
const stopLoops = () => {
  for (const loop of loops) {
    if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
  }
};
process.on('exit', stopLoops);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopLoops();
    process.exit(130);
  });
}

console.log(`== two busy loops running (pids ${loops.map((l) => l.pid).join(', ')})`);
const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
jest.on('exit', (code, signal) => {
  stopLoops();
  process.exit(code ?? (signal ? 1 : 0));
});
