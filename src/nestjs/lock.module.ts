import { Module, type DynamicModule, type FactoryProvider, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';
import { LockEngine } from '../engine/lock-engine';
import {
  getLockEngineToken,
  getLockModuleOptionsToken,
  getLockRegistrationToken,
  getLockServiceToken,
} from './lock.constants';
import { LockExplorer } from './lock.explorer';
import {
  checkForRootAsyncOptions,
  checkForRootOptions,
  checkModuleOptions,
  describeRegistration,
  type LockModuleAsyncOptions,
  type LockModuleForRootOptions,
  type LockModuleOptions,
  type LockOptionsFactory,
  type Registration,
} from './lock-module.options';
import { LockRegistration } from './lock-registration';
import { LockService } from './service/lock.service';

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
    const [registration, own] = checkForRootOptions(options);
    return build('forRoot', registration, { useValue: own });
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
    const registration = checkForRootAsyncOptions(options);
    const { useFactory, useClass, useExisting, inject = [], imports = [] } = options;
    const where = describeRegistration('forRootAsync', registration.name);
    const produce = useFactory ?? ((factory: LockOptionsFactory) => factory.createLockOptions());
    const optionsSource = {
      useFactory: async (...args: never[]) => {
        const resolved = await produce(...args);
        checkModuleOptions(where, resolved, registration.inherit !== undefined);
        return resolved;
      },
      inject: useFactory ? inject : [(useClass ?? useExisting)!],
    };
    const factoryClass = useClass ? [{ provide: useClass, useClass }] : [];
    return build('forRootAsync', registration, optionsSource, imports, factoryClass);
  }
}

function build(
  method: string,
  { name, inherit, isGlobal = true }: Registration,
  optionsSource: { useValue: LockModuleOptions } | Omit<FactoryProvider, 'provide'>,
  imports: NonNullable<LockModuleAsyncOptions['imports']> = [],
  extraProviders: Provider[] = [],
): DynamicModule {
  const where = describeRegistration(method, name);
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
