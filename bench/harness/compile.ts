/**
 * Workers are forked hundreds of times per run; loading TypeScript through @swc-node/register
 * costs each of them ~0.3 s of CPU, which the other measurements then share the cores with. So
 * the bench compiles bench/ and src/ to JavaScript once per run (swc, same settings as Jest) and
 * forks plain `node` on the result.
 */
import { transformFileSync } from '@swc/core';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { onExit } from './cleanup';

const ROOT = join(__dirname, '..', '..');
const SOURCES = ['bench', 'src'];
const SKIP = new Set(['results', 'types']);

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) yield* files(path);
    } else {
      yield path;
    }
  }
}

export interface CompiledTree {
  /** Where the JavaScript twin of `file` (a .ts path in the repository) is. */
  pathOf(file: string): string;
  remove(): void;
}

export function compileForWorkers(): CompiledTree {
  const out = join(ROOT, '.tmp', `bench-${process.pid}`);
  const remove = (): void => rmSync(out, { recursive: true, force: true });
  remove();
  const forget = onExit(remove);
  for (const source of SOURCES) {
    for (const file of files(join(ROOT, source))) {
      const target = join(out, relative(ROOT, file));
      mkdirSync(dirname(target), { recursive: true });
      if (!file.endsWith('.ts')) {
        // Data the code reads next to itself (the store's .lua scripts).
        cpSync(file, target);
        continue;
      }
      if (file.endsWith('.d.ts')) continue;
      const { code } = transformFileSync(file, {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
        swcrc: false,
      });
      writeFileSync(target.replace(/\.ts$/, '.js'), code);
    }
  }
  return {
    pathOf: (file) => join(out, relative(ROOT, file)).replace(/\.ts$/, '.js'),
    remove() {
      remove();
      forget();
    },
  };
}
