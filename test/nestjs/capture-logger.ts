import type { LoggerService } from '@nestjs/common';

/** One line Nest's `Logger` wrote during a test. */
export interface LogEntry {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context: string | undefined;
}

/**
 * A Nest logger that keeps what it is given, for `Test.createTestingModule(...).setLogger()`.
 * Nest passes the context as the last string argument.
 */
export class CaptureLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.#add('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.#add('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.#add('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.#add('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.#add('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.#add('fatal', message, rest);
  }

  /** Messages of `level`, optionally only from `context`. */
  messages(level: LogEntry['level'], context?: string): string[] {
    return this.entries
      .filter((e) => e.level === level && (context === undefined || e.context === context))
      .map((e) => e.message);
  }

  clear(): void {
    this.entries.length = 0;
  }

  #add(level: LogEntry['level'], message: unknown, rest: unknown[]): void {
    const last = rest[rest.length - 1];
    this.entries.push({
      level,
      message: typeof message === 'string' ? message : String(message),
      context: typeof last === 'string' ? last : undefined,
    });
  }
}
