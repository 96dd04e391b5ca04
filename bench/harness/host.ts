/** The machine the numbers come from, and how busy it was while they were taken. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Cumulative CPU time of all cores (in USER_HZ ticks) from /proc/stat; `null` off Linux. */
export interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
}

export function readCpuTimes(): CpuTimes | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is within user)
  const fields = text.split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [, , , idle = 0, iowait = 0, , , steal = 0] = fields;
  return { total: fields.reduce((a, b) => a + b, 0), idle: idle + iowait, steal };
}

export interface HostLoad {
  /** Share of all cores' time the hypervisor gave to others (CPU steal), %. */
  stealPct: number;
  /** Share of all cores' time spent running anything (this bench included), %. */
  busyPct: number;
}

export function hostLoad(before: CpuTimes | null, after: CpuTimes | null): HostLoad | null {
  if (!before || !after || after.total <= before.total) return null;
  const total = after.total - before.total;
  return {
    stealPct: (100 * (after.steal - before.steal)) / total,
    busyPct: (100 * (total - (after.idle - before.idle))) / total,
  };
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  lockwarden: string;
  /** Installed versions of the measured packages. */
  packages: Record<string, string>;
}

function installedVersion(name: string): string {
  try {
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function lockwardenVersion(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const git = (args: string[]): string =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'src']) !== '';
  return commit ? `${version} (${commit}${dirty ? ', src modified' : ''})` : version;
}

export function machineInfo(redisVersion: string, packages: readonly string[]): MachineInfo {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    redis: redisVersion,
    lockwarden: lockwardenVersion(),
    packages: Object.fromEntries(
      [...new Set(packages)].sort().map((p) => [p, installedVersion(p)]),
    ),
  };
}
