import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';

/** The default `shutdownTimeout`, in ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;

// String tokens (not symbols) so that Nest's "can't resolve dependencies" errors name them.

/** DI token of the `LockEngine` of the registration `name` (for `@InjectLockEngine(name)`). */
export function getLockEngineToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:engine:${name}`;
}

/** DI token of the `LockService` of the registration `name` (for `@InjectLockService(name)`). */
export function getLockServiceToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:service:${name}`;
}

/** DI token of the options the registration `name` was given (before `inherit` is applied). */
export function getLockModuleOptionsToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:options:${name}`;
}

/** @internal DI token of a registration's runtime (engine, connection, shutdown). */
export function getLockRegistrationToken(name: string = DEFAULT_ENGINE_NAME): string {
  return `lockwarden:registration:${name}`;
}
