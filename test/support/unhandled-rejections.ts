/**
 * The unhandled rejections this test file's process sees while its tests run (listened for from
 * `beforeAll` to `afterAll`); a test expects the list empty. Forked workers collect their own
 * (`workers/unhandled-errors.ts`).
 */
export function useUnhandledRejections(): unknown[] {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => process.on('unhandledRejection', listener));
  afterAll(() => process.off('unhandledRejection', listener));
  return unhandled;
}
