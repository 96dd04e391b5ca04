import type { OnModuleInit } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';
import { getLockedPlan } from '../decorators/locked.decorator';
import { classNameOf } from '../decorators/method-site';
import { getSingleInstanceCronPlan } from './cron/single-instance-cron.decorator';
import type { LockRegistration } from './lock-registration';

/**
 * Warns at start-up, like `@nestjs/schedule`'s explorer, about mistakes that would otherwise only
 * show as jobs that never run or skip each other, in methods that use this registration's engine.
 */
export class LockExplorer implements OnModuleInit {
  constructor(
    private readonly registration: LockRegistration,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const warn = (message: string) => this.registration.logger.warn(message);
    const jobsByKey = new Map<string, string[]>();
    const name = this.registration.name;
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      // Request-scoped class providers too: Nest gives them a prototype-only instance at start-up.
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype || prototype === Object.prototype) continue;
      const singleton = wrapper.isDependencyTreeStatic();
      // The provider as users wrote it: a class name, or a string or symbol token.
      const token: unknown = wrapper.token;
      const provider = typeof token === 'function' ? token.name : String(token);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        const plan = getSingleInstanceCronPlan(method);
        if (plan && plan.engine === name) {
          if (!singleton) {
            warn(
              `@SingleInstanceCron on ${plan.label}: "${provider}" is request-scoped (or depends on a request-scoped provider), so @nestjs/schedule never runs this job. Make the provider a singleton.`,
            );
          } else {
            const owners = jobsByKey.get(plan.key) ?? [];
            owners.push(
              provider === plan.className ? plan.label : `${plan.label} (provider "${provider}")`,
            );
            jobsByKey.set(plan.key, owners);
          }
        }
        if (!singleton && getLockedPlan(method)?.engine === name) {
          const label = `${plan?.className ?? classNameOf(prototype.constructor)}.${methodName}`;
          warn(
            `@Locked on ${label}: "${provider}" is request-scoped (or depends on a request-scoped provider), so a new instance serves every request: the lock still serialises calls across replicas, but instance state is not shared between them. Lock on a key derived from the arguments, or make the provider a singleton.`,
          );
        }
      }
    }
    for (const [key, owners] of jobsByKey) {
      if (owners.length < 2) continue;
      warn(
        `@SingleInstanceCron jobs ${owners.join(' and ')} share the lock key "${key}"${name === DEFAULT_ENGINE_NAME ? '' : ` on engine "${name}"`}: each tick runs only one of them, and a run of one makes the other skip. Give each job its own "name" (or "key").`,
      );
    }
  }
}
