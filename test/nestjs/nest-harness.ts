import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type Redis from 'ioredis';
import { CaptureLogger } from './capture-logger';

/** A compiled and initialised testing module with the logger that captured its logs. */
export interface TestApp {
  module: TestingModule;
  logs: CaptureLogger;
  get<T>(token: unknown): T;
  close(): Promise<void>;
}

/** Compile and `init()` a testing module (lifecycle hooks run, as in an application). */
export async function startApp(metadata: ModuleMetadata): Promise<TestApp> {
  const logs = new CaptureLogger();
  const module = await Test.createTestingModule(metadata).setLogger(logs).compile();
  await module.init();
  return {
    module,
    logs,
    get: <T>(token: unknown) => module.get<T>(token as string),
    close: () => module.close(),
  };
}

/** Names of the connections the server sees (other than `admin` itself). */
export async function connectionNames(admin: Redis): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  const self = await admin.client('ID');
  return list
    .split('\n')
    .filter((line) => line.trim().length > 0 && !line.startsWith(`id=${self} `))
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');
}

/** Poll `probe` until it returns true (for effects that complete after a promise resolves). */
export async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
