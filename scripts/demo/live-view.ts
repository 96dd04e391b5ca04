import type { Writable } from 'node:stream';
import { clock, seconds, type DemoReport } from './summary';

/** How the view writes: a terminal gets colours and a status line redrawn in place. */
export interface ViewMode {
  /** A terminal: the status line is redrawn in place (otherwise it is printed when it changes). */
  tty: boolean;
  color: boolean;
}

/** One line of the table, for the second that starts at `at`. */
export interface TickRow {
  at: number;
  ranOn: string[];
  skippedBy: string[];
  cutOff: boolean;
  sections: number;
  waited: number;
  handoffsAcross: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REPLICA_COLORS = [36, 35, 33, 34, 32];

/**
 * The demo's screen. Lines scroll; on a terminal one status line at the bottom says what the demo
 * is doing or waiting for, redrawn in place. Without a terminal (CI logs, pipes) there are no
 * colours and no redrawing: every status is printed once, as a plain line.
 */
export class LiveView {
  readonly #out: Writable;
  readonly #mode: ViewMode;
  #status: (() => string) | undefined;
  #lastPlainStatus = '';
  #frame = 0;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #replicaColor = new Map<string, number>();
  /** Epoch second of the last table row printed (rows come ~1.25 s after their second). */
  #lastRow: number | undefined;
  /** Events waiting for the row of the second before theirs, so lines stay in time order. */
  #queued: Array<{ second: number; text: string }> = [];

  constructor(out: Writable, mode: ViewMode) {
    this.#out = out;
    this.#mode = mode;
    if (mode.tty) {
      this.#timer = setInterval(() => this.#redraw(), 100);
      this.#timer.unref();
    }
  }

  /** For `process.stdout`: a terminal unless it is not one; colours unless `NO_COLOR` is set. */
  static forStdout(): LiveView {
    const tty = process.stdout.isTTY === true;
    return new LiveView(process.stdout, { tty, color: tty && !process.env['NO_COLOR'] });
  }

  get mode(): ViewMode {
    return this.#mode;
  }

  /** Give each replica its colour, in order. */
  replicas(names: readonly string[]): void {
    names.forEach((name, i) =>
      this.#replicaColor.set(name, REPLICA_COLORS[i % REPLICA_COLORS.length]!),
    );
  }

  title(text: string): void {
    this.line(this.#paint(text, 1));
  }

  /** `label` in a fixed column, then `value`. */
  fact(label: string, value: string): void {
    this.line(`  ${this.#paint(label.padEnd(9), 2)} ${value}`);
  }

  /** A paragraph in the dim colour, wrapped at 96 columns. */
  note(text: string): void {
    for (const line of wrap(text, 94)) this.line(this.#paint(`  ${line}`, 2));
  }

  blank(): void {
    this.line('');
  }

  tableHeader(): void {
    this.line(this.#paint('          heartbeat tick       @Locked charge, per second', 2));
    this.line(
      this.#paint('time      ran on  skipped by   sections  waited  handed to another replica', 2),
    );
  }

  row(row: TickRow): void {
    const second = Math.floor(row.at / 1_000);
    this.#flushEvents(second);
    this.#lastRow = second;
    const ran =
      row.ranOn.length === 0
        ? this.#paint('none', 31, 1)
        : row.ranOn.map((name) => this.#replica(name)).join('+') +
          (row.cutOff ? this.#paint(' ✖', 31) : '');
    const ranWidth = (row.ranOn.join('+') || 'none').length + (row.cutOff ? 2 : 0);
    const skipped = row.skippedBy.join(' ') || '-';
    this.line(
      `${clock(row.at)}  ${ran}${' '.repeat(Math.max(1, 8 - ranWidth))}${skipped.padEnd(13)}` +
        `${String(row.sections).padStart(8)}  ${String(row.waited).padStart(6)}  ${String(row.handoffsAcross).padStart(6)}`,
    );
    // Events of the next second were waiting for this row.
    this.#flushEvents(second + 1);
  }

  /** Something that happened (the kill, the takeover, a replica's warning). */
  event(
    kind: 'kill' | 'takeover' | 'info' | 'warn' | 'error',
    text: string,
    at = Date.now(),
  ): void {
    const mark = {
      kill: ['✖', 31],
      takeover: ['➜', 32],
      info: ['·', 2],
      warn: ['!', 33],
      error: ['✖', 31],
    }[kind] as [string, number];
    const plain = { kill: 'KILL', takeover: 'TAKEOVER', info: '-', warn: 'WARN', error: 'ERROR' }[
      kind
    ];
    const symbol = this.#mode.color ? this.#paint(mark[0], mark[1], 1) : plain;
    const line = `${clock(at)}  ${symbol} ${text}`;
    const second = Math.floor(at / 1_000);
    // An event belongs after the row of the second before it; that row may not be out yet.
    if (this.#lastRow !== undefined && second > this.#lastRow + 1) {
      this.#queued.push({ second, text: line });
    } else {
      this.line(line);
    }
  }

  /** Print the events of seconds up to `second`; `Infinity` prints them all. */
  #flushEvents(second: number): void {
    const due = this.#queued.filter((e) => e.second <= second);
    this.#queued = this.#queued.filter((e) => e.second > second);
    for (const event of due) this.line(event.text);
  }

  /** The table is over: events print as they come again. */
  endTable(): void {
    this.#flushEvents(Infinity);
    this.#lastRow = undefined;
  }

  /** The replica's name in its colour. */
  name(replica: string): string {
    return this.#replica(replica);
  }

  /**
   * What the demo is doing now, shown until the next call: redrawn every 100 ms on a terminal
   * (so elapsed times tick), printed once otherwise (unless `printPlain` is false: a status the
   * plain log has already seen).
   */
  status(text: () => string, { printPlain = true } = {}): void {
    this.#status = text;
    if (!this.#mode.tty && printPlain) {
      const line = text();
      if (line !== this.#lastPlainStatus) this.#out.write(`${line}\n`);
      this.#lastPlainStatus = line;
    } else {
      this.#redraw();
    }
  }

  summary(report: DemoReport): void {
    this.blank();
    const variant = report.backend === 'memory' ? ' (single-process variant, MemoryLockStore)' : '';
    this.title(`Summary${variant}: ${report.passed ? 'PASS' : 'FAIL'}`);
    for (const check of report.checks) {
      const mark = this.#mode.color
        ? check.ok
          ? this.#paint('✔', 32, 1)
          : this.#paint('✖', 31, 1)
        : check.ok
          ? 'ok  '
          : 'FAIL';
      this.line(`  ${mark} ${check.label.padEnd(23)} ${this.#paint(check.value, 1)}`);
      for (const line of wrap(check.detail, 70))
        this.line(this.#paint(`${' '.repeat(this.#mode.color ? 28 : 31)}${line}`, 2));
    }
    const t = report.traffic;
    const waits =
      t.waitP50Ms === null
        ? ''
        : ` (median wait ${t.waitP50Ms} ms, 99th percentile ${t.waitP99Ms} ms)`;
    this.line(
      this.#paint(
        `  @Locked charge: ${t.sections} sections, ${t.waited} calls waited for their lock${waits}, ` +
          `${t.handoffsAcross} hand-offs to another replica, ${t.errors} errors`,
        2,
      ),
    );
    const { takeover } = report;
    if (
      takeover?.ms != null &&
      takeover.takerTick !== null &&
      takeover.cutOffTick !== null &&
      report.window
    ) {
      const ticksLater = Math.round(
        (takeover.takerTick - takeover.cutOffTick) / report.window.intervalMs,
      );
      const which =
        ticksLater === 1 ? 'the very next tick' : `${ticksLater} ticks after the one cut off`;
      this.line(
        this.#paint(
          `  takeover time: ${seconds(takeover.ms)} from the kill to the next run on another replica (${which})`,
          2,
        ),
      );
    }
  }

  /** Clear the status line and stop redrawing. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#status = undefined;
    if (this.#mode.tty) this.#out.write('\r\x1b[2K');
  }

  line(text: string): void {
    if (this.#mode.tty) {
      this.#out.write(`\r\x1b[2K${text}\n`);
      this.#redraw();
    } else {
      this.#out.write(`${text}\n`);
    }
  }

  #redraw(): void {
    if (!this.#mode.tty || !this.#status) return;
    this.#frame = (this.#frame + 1) % SPINNER.length;
    const text = `${this.#paint(SPINNER[this.#frame]!, 36)} ${this.#status()}`;
    this.#out.write(`\r\x1b[2K${text}`);
  }

  #replica(name: string): string {
    return this.#paint(name, this.#replicaColor.get(name) ?? 1, 1);
  }

  #paint(text: string, ...codes: number[]): string {
    if (!this.#mode.color || text.length === 0) return text;
    return `\x1b[${codes.join(';')}m${text}\x1b[0m`;
  }
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  return lines;
}
