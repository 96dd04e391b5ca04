import type { LoggerService } from '@nestjs/common';
import type { ReplicaEvent } from './protocol';

/**
 * The replica's Nest logger: warnings and errors go to the demo, and so do the
 * `@SingleInstanceCron` debug lines that say this replica skipped a tick (that is how the screen
 * shows every replica's scheduler firing, not only the winner's). Start-up chatter is dropped.
 */
export class ReplicaLogger implements LoggerService {
  constructor(private readonly send: (event: ReplicaEvent) => void) {}

  log(): void {}

  verbose(): void {}

  debug(message: unknown, ...rest: unknown[]): void {
    if (rest.at(-1) !== 'SingleInstanceCron') return;
    // "<job>: tick <ISO time> skipped: <reason>." (display only: the summary never depends on it)
    const match = /tick (\S+) skipped: (.+?)\.?$/.exec(String(message));
    const tick = match ? Date.parse(match[1]!) : NaN;
    if (match && Number.isFinite(tick)) {
      this.send({ type: 'tick-skipped', tick, reason: match[2]! });
    }
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.send({ type: 'log', level: 'warn', text: describe(message, rest) });
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.send({ type: 'log', level: 'error', text: describe(message, rest) });
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.error(message, ...rest);
  }
}

function describe(message: unknown, rest: unknown[]): string {
  const context = typeof rest.at(-1) === 'string' ? `[${String(rest.at(-1))}] ` : '';
  const text = message instanceof Error ? message.message : String(message);
  return `${context}${text}`;
}
