import { inspect } from 'node:util';
import { Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import {
  configureLocks,
  DEFAULT_ENGINE_NAME,
  unregisterLockEngine,
} from '../decorators/engine-registry';
import { LockConfigError } from '../engine/errors';
import { InFlight } from '../engine/in-flight';
import { LockEngine } from '../engine/lock-engine';
import type { LockLogger } from '../engine/options';
import { LockConnection } from './lock-connection';
import { inheritOptions, type LockModuleOptions } from './lock-module.options';

/** The default `shutdownTimeout`, in ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;

const registrations = new WeakMap<LockEngine, LockRegistration>();

/** The registration that created `engine` (its options and shutdown state, for ticks). */
export function registrationOf(engine: LockEngine | undefined): LockRegistration | undefined {
  return engine && registrations.get(engine);
}

/** One `LockModule` registration at run time: options, engine, connection and shutdown. */
export class LockRegistration implements BeforeApplicationShutdown, OnApplicationShutdown {
  /** Ticks not yet running their method (claiming, taking the run lock). */
  readonly #startingTicks = new InFlight();
  #drained: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    /** The options in effect, after `inherit`. */
    readonly options: LockModuleOptions,
    readonly engine: LockEngine,
    readonly connection: LockConnection,
    readonly logger: Logger,
  ) {}

  /** Build the registration `name` from its checked options and, with `inherit`, its parent's. */
  static async create(
    where: string,
    name: string,
    own: LockModuleOptions,
    inherit: string | undefined,
    parent: LockRegistration | undefined,
  ): Promise<LockRegistration> {
    if (inherit !== undefined && !parent) {
      throw new LockConfigError(
        `${where}: option "inherit" names "${inherit}", but there is no LockModule registration with that name in this application. Register LockModule.forRoot({ name: "${inherit}", ... }) (global, or imported where this one is).`,
      );
    }
    const options = parent ? inheritOptions(parent.options, own) : own;
    const logger = new Logger(name === DEFAULT_ENGINE_NAME ? 'LockModule' : `LockModule:${name}`);
    const connection =
      own.redis === undefined && own.store === undefined && parent
        ? parent.connection.share()
        : await LockConnection.open(where, options, logger);
    let engine: LockEngine;
    try {
      engine = new LockEngine({
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
    registrations.set(engine, registration);
    configureLocks(engine, { name });
    return registration;
  }

  /** Set once shutdown starts: scheduled runs are no longer started. */
  get closing(): boolean {
    return this.#drained !== undefined;
  }

  /** Run a tick: shutdown waits for it until `started()`, from when closing the engine does. */
  async runTick<T>(tick: (started: () => void) => Promise<T>): Promise<T> {
    let started!: () => void;
    void this.#startingTicks.run(() => new Promise<void>((resolve) => (started = resolve)));
    try {
      return await tick(started);
    } finally {
      started();
    }
  }

  /**
   * Shutdown, first part: stop starting ticks, then close the engine within `shutdownTimeout`.
   * Before any `onApplicationShutdown`, where applications close what running calls use.
   */
  beforeApplicationShutdown(): Promise<void> {
    this.#drained ??= this.#drain();
    return this.#drained;
  }

  /** Shutdown, second part: unregister and close what the module opened. */
  onApplicationShutdown(): Promise<void> {
    this.#closed ??= this.beforeApplicationShutdown().finally(async () => {
      unregisterLockEngine(this.name, this.engine);
      await this.connection.release();
    });
    return this.#closed;
  }

  async #drain(): Promise<void> {
    const timeout = this.options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    const deadline = Date.now() + timeout;
    await this.#startingTicks.drain(timeout);
    const running = this.engine.runningCount;
    await this.engine.close({ timeout: Math.max(0, deadline - Date.now()) });
    const left = this.engine.runningCount;
    if (left > 0) {
      this.logger.warn(
        `${left} of ${Math.max(left, running)} locked call(s) still running after shutdownTimeout (${timeout} ms); releasing their locks anyway.`,
      );
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
