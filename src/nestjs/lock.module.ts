import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { LockConfigError } from '../engine/errors';
import { LockEngine } from '../engine/lock-engine';
import {
  DEFAULT_LOCK_NAME,
  getLockEngineToken,
  getLockModuleOptionsToken,
  getLockRegistrationToken,
  getLockServiceToken,
} from './lock.constants';
import { LockExplorer } from './lock.explorer';
import type {
  LockModuleAsyncOptions,
  LockModuleForRootOptions,
  LockModuleOptions,
  LockModuleRegistration,
  LockOptionsFactory,
} from './lock.interfaces';
import {
  describeRegistration,
  splitForRootOptions,
  validateModuleOptions,
  validateRegistration,
} from './lock-module-options';
import { LockRegistration } from './lock-registration';
import { LockService } from './lock.service';

const ASYNC_OPTION_NAMES = [
  'name',
  'inherit',
  'isGlobal',
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
];
const REGISTRATION_NAMES = ['name', 'inherit', 'isGlobal'];

/**
 * Distributed locks for a Nest application: one `LockEngine` per registration, `LockService`,
 * `@InjectLockEngine`, `@Locked` methods of any provider, and `@SingleInstanceCron` jobs.
 * Global unless `isGlobal: false`. Several registrations may coexist under different `name`s.
 *
 * On shutdown it stops starting scheduled runs, lets in-flight locked calls finish (up to
 * `shutdownTimeout`), releases the locks still held and closes the connections it opened — never
 * a client you passed in.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ScheduleModule.forRoot(),
 *     LockModule.forRoot({ redis: 'redis://localhost:6379', defaults: { ttl: 10_000 } }),
 *     LockModule.forRoot({ name: 'reports', inherit: 'default', defaults: { ttl: 60_000 } }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class LockModule {
  /** Register an engine from options known when the module is defined. */
  static forRoot(options: LockModuleForRootOptions): DynamicModule {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new LockConfigError(
        `LockModule.forRoot(): the options must be an object such as { redis: 'redis://localhost:6379' }.`,
      );
    }
    const [registration, own] = splitForRootOptions(options);
    const name = validateRegistration('LockModule.forRoot()', registration);
    const where = describeRegistration('forRoot', name);
    validateModuleOptions(where, own, registration.inherit !== undefined);
    const optionsProvider: Provider = { provide: getLockModuleOptionsToken(name), useValue: own };
    return build(where, name, registration, [optionsProvider], []);
  }

  /**
   * Register an engine whose options come from other providers (e.g. `ConfigService`):
   * `useFactory` with `inject`, or a `LockOptionsFactory` class via `useClass` / `useExisting`.
   * `name`, `inherit` and `isGlobal` are given here, not by the factory.
   */
  static forRootAsync(options: LockModuleAsyncOptions): DynamicModule {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new LockConfigError(
        'LockModule.forRootAsync(): the options must be an object with useFactory, useClass or useExisting.',
      );
    }
    for (const key of Object.keys(options)) {
      if (!ASYNC_OPTION_NAMES.includes(key)) {
        throw new LockConfigError(
          `LockModule.forRootAsync(): unknown option "${key}". Known options: ${ASYNC_OPTION_NAMES.join(', ')} (the lock options themselves come from the factory).`,
        );
      }
    }
    const registration: LockModuleRegistration = {};
    for (const key of REGISTRATION_NAMES) {
      const value = (options as Record<string, unknown>)[key];
      if (value !== undefined) (registration as Record<string, unknown>)[key] = value;
    }
    const name = validateRegistration('LockModule.forRootAsync()', registration);
    const where = describeRegistration('forRootAsync', name);
    const { useFactory, useClass, useExisting, inject = [], imports = [] } = options;
    const given = [useFactory, useClass, useExisting].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new LockConfigError(
        `${where}: give exactly one of useFactory, useClass and useExisting (got ${given}).`,
      );
    }
    const inherits = registration.inherit !== undefined;
    const checked = async (
      produce: () => LockModuleOptions | Promise<LockModuleOptions>,
    ): Promise<LockModuleOptions> => {
      const resolved = await produce();
      validateModuleOptions(where, resolved, inherits);
      return resolved;
    };
    const token = getLockModuleOptionsToken(name);
    const providers: Provider[] = [];
    if (useFactory) {
      if (typeof useFactory !== 'function') {
        throw new LockConfigError(`${where}: option "useFactory" must be a function.`);
      }
      providers.push({
        provide: token,
        useFactory: (...args: never[]) => checked(() => useFactory(...args)),
        inject,
      });
    } else {
      const factoryClass = (useClass ?? useExisting) as NonNullable<typeof useClass>;
      if (typeof factoryClass !== 'function') {
        throw new LockConfigError(
          `${where}: option "${useClass ? 'useClass' : 'useExisting'}" must be a class implementing LockOptionsFactory.`,
        );
      }
      if (useClass) providers.push({ provide: useClass, useClass });
      providers.push({
        provide: token,
        useFactory: (factory: LockOptionsFactory) => checked(() => factory.createLockOptions()),
        inject: [factoryClass],
      });
    }
    return build(where, name, registration, providers, imports);
  }
}

function build(
  where: string,
  name: string,
  registration: LockModuleRegistration,
  optionsProviders: Provider[],
  imports: NonNullable<LockModuleAsyncOptions['imports']>,
): DynamicModule {
  const { inherit, isGlobal = true } = registration;
  const registrationToken = getLockRegistrationToken(name);
  const engineToken = getLockEngineToken(name);
  const serviceToken = getLockServiceToken(name);
  const providers: Provider[] = [
    ...optionsProviders,
    {
      provide: registrationToken,
      useFactory: (own: LockModuleOptions, parent?: LockRegistration) =>
        LockRegistration.create(where, name, own, inherit, parent),
      inject: [
        getLockModuleOptionsToken(name),
        ...(inherit === undefined
          ? []
          : [{ token: getLockRegistrationToken(inherit), optional: true }]),
      ],
    },
    {
      provide: engineToken,
      useFactory: (r: LockRegistration) => r.engine,
      inject: [registrationToken],
    },
    {
      provide: serviceToken,
      useFactory: (r: LockRegistration) => new LockService(r.engine, r.options.defaults),
      inject: [registrationToken],
    },
    {
      provide: `lockwarden:explorer:${name}`,
      useFactory: (r: LockRegistration, discovery: DiscoveryService, scanner: MetadataScanner) =>
        new LockExplorer(r, discovery, scanner),
      inject: [registrationToken, DiscoveryService, MetadataScanner],
    },
  ];
  const exports: DynamicModule['exports'] = [
    getLockModuleOptionsToken(name),
    registrationToken,
    engineToken,
    serviceToken,
  ];
  if (name === DEFAULT_LOCK_NAME) {
    // The default registration is also injectable by class.
    providers.push(
      { provide: LockService, useExisting: serviceToken },
      { provide: LockEngine, useExisting: engineToken },
    );
    exports.push(LockService, LockEngine);
  }
  return {
    module: LockModule,
    global: isGlobal,
    imports: [DiscoveryModule, ...imports],
    providers,
    exports,
  };
}
