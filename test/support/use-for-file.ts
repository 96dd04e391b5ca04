/**
 * Start something for this test file in `beforeAll` (its own `defer` stops it after the file; see
 * `cleanup.ts`). The handle returned reads `fields` of what was started, in hooks that run after
 * that and in tests; read earlier (while the file is being collected), a field throws.
 */
export function useForFile<T extends object>(
  what: string,
  fields: ReadonlyArray<keyof T & string>,
  start: () => Promise<T>,
  timeout: number,
): Readonly<T> {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  }, timeout);
  const handle = {} as T;
  for (const field of fields) {
    Object.defineProperty(handle, field, {
      enumerable: true,
      get: () => {
        if (!started) throw new Error(`${what} is only there in hooks and tests`);
        return started[field];
      },
    });
  }
  return handle;
}
