import { Module, type DynamicModule, type FactoryProvider, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';
import { LockConfigError } from '../engine/errors';
import { LockEngine } from '../engine/lock-engine';
import { checkOptions } from '../engine/validate';
import { LockExplorer } from './lock.explorer';
import {
  asyncSpec,
  checkModuleOptions,
  registrationSpec,
  type LockModuleAsyncOptions,
  type LockModuleForRootOptions,
  type LockModuleOptions,
  type LockModuleRegistration,
  type LockOptionsFactory,
} from './lock-module.options';
import { LockRegistration } from './lock-registration';
import { LockService } from './service/lock.service';

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

/**
 * Distributed locks for a Nest application: one `LockEngine` and `LockService` per registration
 * (several may coexist under different `name`s), used by `@Locked` and `@SingleInstanceCron`. On
 * shutdown it lets in-flight locked calls finish (up to `shutdownTimeout`), releases what is still
 * held and closes the connections it opened, never a client you passed in.
 *
 * @example
 * @Module({
 *   imports: [
 *     ScheduleModule.forRoot(),
 *     LockModule.forRoot({ redis: 'redis://localhost:6379', defaults: { ttl: 10_000 } }),
 *     LockModule.forRoot({ name: 'reports', inherit: 'default', defaults: { ttl: 60_000 } }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({})
export class LockModule {
  /** Register an engine from options known when the module is defined. */
  static forRoot(options: LockModuleForRootOptions): DynamicModule {
    checkOptions('LockModule.forRoot()', options, registrationSpec);
    const { name = DEFAULT_ENGINE_NAME, inherit, isGlobal, ...own } = options;
    const where = describeRegistration('forRoot', name);
    checkModuleOptions(where, own, inherit !== undefined);
    return build(where, name, { inherit, isGlobal }, { useValue: own });
  }

  /**
   * Register an engine whose options come from other providers: `useFactory` with `inject`, or a
   * {@link LockOptionsFactory} via `useClass` / `useExisting`.
   *
   * @example
   * LockModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ redis: config.getOrThrow<string>('REDIS_URL') }),
   * });
   */
  static forRootAsync(options: LockModuleAsyncOptions): DynamicModule {
    checkOptions('LockModule.forRootAsync()', options, asyncSpec);
    const { name = DEFAULT_ENGINE_NAME, useFactory, useClass, useExisting, inject = [] } = options;
    const where = describeRegistration('forRootAsync', name);
    const given = [useFactory, useClass, useExisting].filter((f) => f !== undefined).length;
    if (given !== 1) {
      throw new LockConfigError(
        `${where}: give exactly one of useFactory, useClass and useExisting (got ${given}).`,
      );
    }
    const produce = useFactory ?? ((factory: LockOptionsFactory) => factory.createLockOptions());
    const optionsSource = {
      useFactory: async (...args: never[]) => {
        const resolved = await produce(...args);
        checkModuleOptions(where, resolved, options.inherit !== undefined);
        return resolved;
      },
      inject: useFactory ? inject : [(useClass ?? useExisting)!],
    };
    const factoryClass = useClass ? [{ provide: useClass, useClass }] : [];
    return build(where, name, options, optionsSource, options.imports, factoryClass);
  }
}

/** How messages name a registration: `LockModule.forRoot({ name: "reports" })`. */
function describeRegistration(method: string, name: string): string {
  return name === DEFAULT_ENGINE_NAME
    ? `LockModule.${method}()`
    : `LockModule.${method}({ name: ${JSON.stringify(name)} })`;
}

function build(
  where: string,
  name: string,
  { inherit, isGlobal = true }: LockModuleRegistration,
  optionsSource: { useValue: LockModuleOptions } | Omit<FactoryProvider, 'provide'>,
  imports: NonNullable<LockModuleAsyncOptions['imports']> = [],
  extraProviders: Provider[] = [],
): DynamicModule {
  const optionsToken = getLockModuleOptionsToken(name);
  const registrationToken = getLockRegistrationToken(name);
  const engineToken = getLockEngineToken(name);
  const serviceToken = getLockServiceToken(name);
  const providers: Provider[] = [
    ...extraProviders,
    { provide: optionsToken, ...optionsSource },
    {
      provide: registrationToken,
      useFactory: (own: LockModuleOptions, parent?: LockRegistration) =>
        LockRegistration.create(where, name, own, inherit, parent),
      inject: [
        optionsToken,
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
    optionsToken,
    registrationToken,
    engineToken,
    serviceToken,
  ];
  if (name === DEFAULT_ENGINE_NAME) {
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
