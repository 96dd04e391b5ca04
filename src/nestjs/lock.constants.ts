import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';

/**
 * How long shutdown waits for in-flight locked calls before releasing their locks anyway, in ms:
 * the default of `shutdownTimeout`.
 *
 * @example
 * LockModule.forRoot({ redis: url, shutdownTimeout: 3 * DEFAULT_SHUTDOWN_TIMEOUT });
 */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;

/**
 * `LockService` waits this long between attempts unless the module's `defaults` say otherwise
 * (the engine's own default is 50 ms): kept from the service's first release, where handles
 * polled.
 */
export const LOCK_SERVICE_RETRY_DELAY = 250;

/** Metadata key under which `@SingleInstanceCron` puts its plan on the wrapped method. */
export const SINGLE_INSTANCE_CRON_METADATA = 'lockwarden:single-instance-cron';

// String tokens (not symbols) so that Nest's "can't resolve dependencies" errors name them.

/**
 * DI token of the `LockEngine` of the registration `name`; `@InjectLockEngine(name)` uses it.
 *
 * @example
 * const engine = app.get<LockEngine>(getLockEngineToken('reports'));
 */
export function getLockEngineToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:engine:${name}`;
}

/**
 * DI token of the `LockService` of the registration `name`; `@InjectLockService(name)` uses it.
 *
 * @example
 * const reports = moduleRef.get<LockService>(getLockServiceToken('reports'));
 */
export function getLockServiceToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:service:${name}`;
}

/**
 * DI token of the options a registration was given (before `inherit` is applied).
 *
 * @example
 * const options = app.get<LockModuleOptions>(getLockModuleOptionsToken());
 */
export function getLockModuleOptionsToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:options:${name}`;
}

/** @internal DI token of a registration's runtime (engine, connection, shutdown). */
export function getLockRegistrationToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:registration:${name}`;
}
