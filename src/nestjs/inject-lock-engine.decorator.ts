import { Inject } from '@nestjs/common';
import { DEFAULT_LOCK_NAME, getLockEngineToken } from './lock.constants';

/**
 * Inject the `LockEngine` of a `LockModule` registration.
 *
 * @example
 * ```ts
 * constructor(@InjectLockEngine('reports') private readonly engine: LockEngine) {}
 * ```
 */
export function InjectLockEngine(
  name: string = DEFAULT_LOCK_NAME,
): ParameterDecorator & PropertyDecorator {
  return Inject(getLockEngineToken(name));
}
