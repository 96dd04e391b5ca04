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

  readonly log = this.#recorder('log');
  readonly error = this.#recorder('error');
  readonly warn = this.#recorder('warn');
  readonly debug = this.#recorder('debug');
  readonly verbose = this.#recorder('verbose');
  readonly fatal = this.#recorder('fatal');

  /** Messages of `level`, optionally only from `context`. */
  messages(level: LogEntry['level'], context?: string): string[] {
    return this.entries
      .filter((e) => e.level === level && (context === undefined || e.context === context))
      .map((e) => e.message);
  }

  clear(): void {
    this.entries.length = 0;
  }

  #recorder(level: LogEntry['level']): (message: unknown, ...rest: unknown[]) => void {
    return (message, ...rest) => {
      const last = rest[rest.length - 1];
      this.entries.push({
        level,
        message: typeof message === 'string' ? message : String(message),
        context: typeof last === 'string' ? last : undefined,
      });
    };
  }
}
