import type { LockRegistration } from './lock-registration';

// Decorators run before any module exists, so `@SingleInstanceCron` finds its registration by
// name when a tick fires, like `@Locked` finds its engine in the engine registry.
const registrations = new Map<string, LockRegistration>();

/** Make `registration` the one `@SingleInstanceCron({ engine: name })` uses. */
export function registerLockRegistration(registration: LockRegistration): void {
  registrations.set(registration.name, registration);
}

/** Forget `registration` if it is still the one registered under its name. */
export function unregisterLockRegistration(registration: LockRegistration): void {
  if (registrations.get(registration.name) === registration) {
    registrations.delete(registration.name);
  }
}

/** The live registration called `name`, if any. */
export function findLockRegistration(name: string): LockRegistration | undefined {
  return registrations.get(name);
}
