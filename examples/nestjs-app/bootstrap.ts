import type { INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import type { ExampleConfig } from './config';

/** Start one replica of the example application (no HTTP server: jobs and services only). */
export async function bootstrap(
  config: ExampleConfig,
  logLevels: LogLevel[] = ['log', 'warn', 'error'],
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.register(config), {
    logger: logLevels,
  });
  // SIGTERM/SIGINT run the shutdown hooks: in-flight runs finish, locks are released.
  app.enableShutdownHooks();
  return app;
}
