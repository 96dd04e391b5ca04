import { Inject } from '@nestjs/common';
import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';
import { getLockEngineToken } from './lock.constants';

/**
 * Inject the `LockEngine` of a `LockModule` registration.
 *
 * @example
 * constructor(@InjectLockEngine('reports') private readonly engine: LockEngine) {}
 */
export function InjectLockEngine(
  name: string = DEFAULT_ENGINE_NAME,
): ParameterDecorator & PropertyDecorator {
  return Inject(getLockEngineToken(name));
}
