import { inspect } from 'node:util';
import { Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { configureLocks, unregisterLockEngine } from '../decorators/engine-registry';
import { LockConfigError } from '../engine/errors';
import type { LockLogger } from '../engine/lock-engine';
import { DEFAULT_LOCK_NAME, DEFAULT_SHUTDOWN_TIMEOUT } from './lock.constants';
import type { LockClock, LockModuleOptions } from './lock.interfaces';
import { LockConnection } from './lock-connection';
import { inheritOptions } from './lock-module-options';
import { ManagedLockEngine } from './managed-lock-engine';

/**
 * The runtime of one `LockModule` registration: its engine, its connection, the clock
 * `@SingleInstanceCron` reads, and the shutdown sequence. Its engine is registered by name (and
 * points back here), so `@Locked` and `@SingleInstanceCron` methods find both without injection.
 */
export class LockRegistration implements BeforeApplicationShutdown, OnApplicationShutdown {
  readonly logger: Logger;
  readonly clock: LockClock;
  readonly shutdownTimeout: number;
  #closing = false;
  #drained: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    /** The options in effect, after `inherit`. */
    readonly options: LockModuleOptions,
    readonly engine: ManagedLockEngine,
    readonly connection: LockConnection,
    logger: Logger,
  ) {
    this.logger = logger;
    this.clock = options.clock ?? Date.now;
    this.shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
  }

  /**
   * Build the registration `name` from its own options (already validated) and, with `inherit`,
   * the registration it inherits from (`parent`, `undefined` if there is none by that name).
   */
  static async create(
    where: string,
    name: string,
    own: LockModuleOptions,
    inherit: string | undefined,
    parent: LockRegistration | undefined,
  ): Promise<LockRegistration> {
    let options = own;
    let connection: LockConnection;
    const logger = new Logger(name === DEFAULT_LOCK_NAME ? 'LockModule' : `LockModule:${name}`);
    if (inherit !== undefined) {
      if (!parent) {
        throw new LockConfigError(
          `${where}: option "inherit" names "${inherit}", but there is no LockModule registration with that name in this application. Register LockModule.forRoot({ name: "${inherit}", ... }) (global, or imported where this one is).`,
        );
      }
      options = inheritOptions(parent.options, own);
    }
    if (own.redis === undefined && own.store === undefined && parent) {
      connection = parent.connection.share();
    } else {
      connection = await LockConnection.open(where, options, logger);
    }
    let engine: ManagedLockEngine;
    try {
      engine = new ManagedLockEngine({
        store: connection.store,
        prefix: options.prefix,
        defaults: options.defaults,
        onStoreError: options.onStoreError,
        logger: nestLockLogger(logger),
      });
    } catch (error) {
      await connection.release();
      throw error;
    }
    const registration = new LockRegistration(name, options, engine, connection, logger);
    // Registered at creation, before any onModuleInit, so providers may take locks from there.
    engine.registration = registration;
    configureLocks(engine, { name });
    return registration;
  }

  /** Set once the application starts shutting down: scheduled runs stop being accepted. */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Shutdown, first part: stop starting scheduled runs (Nest stops its cron timers in this phase
   * too) and let in-flight locked calls finish, up to `shutdownTimeout`. This happens before any
   * `onApplicationShutdown`, where applications close their own connections, so the calls finish
   * with everything they use still open.
   */
  beforeApplicationShutdown(): Promise<void> {
    this.#closing = true;
    this.#drained ??= this.#drain();
    return this.#drained;
  }

  /**
   * Shutdown, second part: unregister, release the locks still held (stopping their renewals),
   * then close what the module opened. A client the user passed in stays open.
   */
  onApplicationShutdown(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #drain(): Promise<void> {
    const inFlight = this.engine.inFlight;
    const running = inFlight.count;
    if (!(await inFlight.drain(this.shutdownTimeout))) {
      this.logger.warn(
        `${inFlight.count} of ${running} locked call(s) still running after shutdownTimeout (${this.shutdownTimeout} ms); releasing their locks anyway.`,
      );
    }
  }

  async #shutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    unregisterLockEngine(this.name, this.engine);
    try {
      await this.engine.close();
    } finally {
      await this.connection.release();
    }
  }
}

/** Routes the engine's warnings through Nest's logger. */
function nestLockLogger(logger: Logger): LockLogger {
  const text = (message: string, meta: unknown[]): string =>
    [message, ...meta.map((m) => (typeof m === 'string' ? m : inspect(m)))].join(' ');
  return {
    warn: (message, ...meta) => logger.warn(text(message, meta)),
    error: (message, ...meta) => logger.error(text(message, meta)),
  };
}
