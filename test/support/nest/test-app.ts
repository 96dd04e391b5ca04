import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { defer } from '../cleanup';
import { CaptureLogger } from './capture-logger';

/** A compiled and initialised testing module with the logger that captured its logs. */
export interface TestApp {
  module: TestingModule;
  logs: CaptureLogger;
  get<T>(token: unknown): T;
  /** Close the application (once; later calls wait for the same close). */
  close(): Promise<void>;
}

/**
 * Compile and `init()` a testing module (lifecycle hooks run, as in an application). It is
 * closed after the test that started it (after the file, when started in `beforeAll`) unless the
 * test closed it itself.
 */
export async function startApp(metadata: ModuleMetadata): Promise<TestApp> {
  const logs = new CaptureLogger();
  const module = await Test.createTestingModule(metadata).setLogger(logs).compile();
  await module.init();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= module.close());
  defer(close);
  return {
    module,
    logs,
    get: <T>(token: unknown) => module.get<T>(token as string),
    close,
  };
}
