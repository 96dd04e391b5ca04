/** `npm run bench -- [options]`: what to run, checked before anything starts. */
import { parseArgs } from 'node:util';
import { CLIENT_KINDS, clientKindByName } from './clients';
import type { ClientKind } from './clients/client-kind';
import { allContenders } from './contenders';
import { SCENARIO_IDS, type ContenderDefinition } from './contender';
import { SCENARIOS } from './scenarios';
import type { Scenario } from './scenarios/scenario';

export const USAGE = `Usage: npm run bench -- [options]

  --quick                  fewer rounds, shorter windows, 2 000 instead of 10 000 held locks
  --scenarios <list>       comma-separated ids or numbers (default: all):
                           ${SCENARIOS.map((s) => `${s.number}=${s.id}`).join(', ')}
  --contenders <list>      comma-separated ids (default: all but the sanity checks); "lockwarden"
                           also selects lockwarden over every client kind in --clients
  --clients <list>         client kinds lockwarden runs over, or "all" (default: ${CLIENT_KINDS[0]!.name};
                           known: ${CLIENT_KINDS.map((k) => k.name).join(', ')})
  --out <file.json>        where to write results (default: bench/results/latest.json for a full
                           run, bench/results/partial.json otherwise); the .svg and .md go beside it
  --help`;

/** A mistake on the command line; the message says what to change. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export interface BenchOptions {
  quick: boolean;
  scenarios: Scenario[];
  contenders: Array<ContenderDefinition<unknown>>;
  kinds: Array<ClientKind<unknown>>;
  /** Everything that can run, ran (the run that latest.json and the README show). */
  complete: boolean;
  out: string | undefined;
  help: boolean;
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function pick<T>(names: string[], what: string, known: string[], find: (name: string) => T[]): T[] {
  return names.flatMap((name) => {
    const found = find(name);
    if (found.length === 0) {
      throw new BenchUsageError(`unknown ${what} "${name}"; known: ${known.join(', ')}`);
    }
    return found;
  });
}

export function parseCli(argv: string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        scenarios: { type: 'string' },
        contenders: { type: 'string' },
        clients: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }

  // One client kind by default keeps a full run under 5 minutes on 2 cores; "all" adds the rest.
  const kindNames =
    values.clients === 'all' ? CLIENT_KINDS.map((k) => k.name) : list(values.clients);
  const kinds = kindNames
    ? pick(
        kindNames,
        'client kind (--clients)',
        CLIENT_KINDS.map((k) => k.name),
        (name) => {
          const kind = clientKindByName(name);
          return kind ? [kind] : [];
        },
      )
    : [CLIENT_KINDS[0]!];

  const scenarioNames = list(values.scenarios);
  const scenarios = scenarioNames
    ? pick(scenarioNames, 'scenario (--scenarios)', [...SCENARIO_IDS], (name) =>
        SCENARIOS.filter((s) => s.id === name || s.number.toLowerCase() === name.toLowerCase()),
      )
    : [...SCENARIOS];

  const every = allContenders(kinds);
  const contenderNames = list(values.contenders);
  const chosen = contenderNames
    ? pick(
        contenderNames,
        'contender (--contenders)',
        every.map((c) => c.id),
        (name) => every.filter((c) => c.id === name || c.id.startsWith(`${name}@`)),
      )
    : every.filter((c) => !c.hidden);
  // Table order, each once.
  const contenders = every.filter((c) => chosen.includes(c));

  return {
    quick: values.quick,
    scenarios: SCENARIOS.filter((s) => scenarios.includes(s)),
    contenders,
    kinds,
    complete:
      !values.quick &&
      !scenarioNames &&
      !contenderNames &&
      (!kindNames ||
        kinds.length === CLIENT_KINDS.length ||
        values.clients === CLIENT_KINDS[0]!.name),
    out: values.out,
    help: values.help,
  };
}
