import { Inject } from '@nestjs/common';
import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';
import { getLockEngineToken, getLockServiceToken } from './lock.module';

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

/**
 * Inject the `LockService` of a `LockModule` registration (or the default one as `LockService`).
 *
 * @example
 * constructor(@InjectLockService('reports') private readonly locks: LockService) {}
 */
export function InjectLockService(
  name: string = DEFAULT_ENGINE_NAME,
): ParameterDecorator & PropertyDecorator {
  return Inject(getLockServiceToken(name));
}
