/**
 * The server's view of the commands (INFO commandstats), to cross-check the client-side counts:
 * every command a client counted must reach the server, and script calls (which run other
 * commands inside them) must match exactly. The server also counts the commands scripts run.
 */
import type Redis from 'ioredis';

export type CommandCounts = Record<string, number>;

/** Calls per command since the server started; subcommands (`client|setname`) under their command. */
export async function readCommandStats(admin: Redis): Promise<CommandCounts> {
  const text = await admin.info('commandstats');
  const counts: CommandCounts = {};
  for (const match of text.matchAll(/^cmdstat_([^:|]+)(?:\|[^:]*)?:calls=(\d+)/gm)) {
    counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
  }
  return counts;
}

// Commands that cannot run inside a script: the server's count is exactly the clients'.
const TOP_LEVEL_ONLY = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);
// The harness's own INFO calls land between the two snapshots.
const HARNESS = new Set(['info']);

export interface CommandCheck {
  ok: boolean;
  /** Commands the clients counted (harness commands excluded). */
  client: number;
  /** Calls the server counted, including those run inside scripts. */
  server: number;
  problems: string[];
}

export function checkCommandCounts(
  client: CommandCounts,
  before: CommandCounts,
  after: CommandCounts,
): CommandCheck {
  const problems: string[] = [];
  let clientTotal = 0;
  let serverTotal = 0;
  const names = new Set([...Object.keys(client), ...Object.keys(after)]);
  for (const name of names) {
    if (HARNESS.has(name)) continue;
    const sent = client[name] ?? 0;
    const seen = (after[name] ?? 0) - (before[name] ?? 0);
    clientTotal += sent;
    serverTotal += seen;
    if (TOP_LEVEL_ONLY.has(name) ? seen !== sent : seen < sent) {
      problems.push(`${name}: clients counted ${sent}, server ${seen}`);
    }
  }
  return { ok: problems.length === 0, client: clientTotal, server: serverTotal, problems };
}

/** Add up the per-name counts of several workers. */
export function sumCounts(counts: readonly CommandCounts[]): CommandCounts {
  const total: CommandCounts = {};
  for (const one of counts) {
    for (const [name, n] of Object.entries(one)) total[name] = (total[name] ?? 0) + n;
  }
  return total;
}
