import { copyOwnMetadata } from '../../decorators/copy-metadata';
import { classNameOf, memberName } from '../../decorators/method-site';
import { LockConfigError } from '../../engine/errors';
import { loadSchedulePackages } from './schedule-packages';
import { runScheduledTick } from './single-instance-cron.runner';
import {
  planSingleInstanceCron,
  type SingleInstanceCronOptions,
  type SingleInstanceCronPlan,
} from './single-instance-cron.options';

const METADATA_KEY = 'lockwarden:single-instance-cron';

/**
 * `@Cron(cronTime)` that runs each scheduled tick on exactly one replica: the first to claim the
 * tick (named by its scheduled time, so clocks may differ by up to half an interval) runs it
 * under the job's run lock (`currentLock()` in the method); the others skip it (debug log). A run
 * in progress makes the next ticks skip, unless `overlap: 'allow'`. Needs `@nestjs/schedule`,
 * `ScheduleModule.forRoot()` and `LockModule`; options are checked when the class is defined.
 *
 * @example
 * @SingleInstanceCron('0 0 * * * *', { name: 'reports.hourly' })
 * async hourly() {
 *   await this.build({ signal: currentLock()?.signal });
 * }
 */
export function SingleInstanceCron(
  cronTime: string,
  options?: SingleInstanceCronOptions,
): MethodDecorator {
  return <T>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T> => {
    const isStatic = typeof target === 'function';
    // Named as @Locked names them, so both show one method the same way.
    const className = classNameOf(isStatic ? target : target.constructor);
    const methodName = memberName(propertyKey);
    const where = `@SingleInstanceCron on ${className}.${methodName}`;
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new LockConfigError(`${where}: it decorates methods only.`);
    }
    if (isStatic) {
      throw new LockConfigError(
        `${where}: static methods are never scheduled by @nestjs/schedule; make it an instance method of a provider.`,
      );
    }
    if (getSingleInstanceCronPlan(original) !== undefined) {
      throw new LockConfigError(`${where}: @SingleInstanceCron is applied twice; keep one.`);
    }
    const { Cron } = loadSchedulePackages(where);
    const plan = planSingleInstanceCron(className, methodName, cronTime, options);
    const wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      return runScheduledTick(plan, () => original.apply(this, args));
    };
    Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
    // Decorators applied before this one (below it) put their metadata on the original.
    copyOwnMetadata(original, wrapped);
    Reflect.defineMetadata(METADATA_KEY, plan, wrapped);
    descriptor.value = wrapped as T;
    Cron(cronTime, plan.cronOptions)(target, propertyKey, descriptor);
    return descriptor;
  };
}

/** The plan `@SingleInstanceCron` put on `method`, if any (for the explorer). */
export function getSingleInstanceCronPlan(method: unknown): SingleInstanceCronPlan | undefined {
  if (typeof method !== 'function') return undefined;
  return Reflect.getMetadata(METADATA_KEY, method) as SingleInstanceCronPlan | undefined;
}
