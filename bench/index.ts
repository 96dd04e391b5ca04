// Runs every bench/*.bench.ts in sequence: `npm run bench`, or `npm run bench -- <name filter>`.
// Each file exports `run(): Promise<void>`, which prints its own results.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface BenchModule {
  run(): Promise<void>;
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => filter === undefined || file.includes(filter))
    .sort();
  if (files.length === 0) throw new Error(`no bench/*.bench.ts matches ${filter ?? '(all)'}`);
  for (const file of files) {
    console.log(`\n## ${file}\n`);
    const bench = (await import(join(__dirname, file))) as Partial<BenchModule>;
    if (typeof bench.run !== 'function') throw new Error(`${file} does not export run()`);
    await bench.run();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
