/** The error `run` throws; fails the test when it returns instead. */
export function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but it returned');
}
