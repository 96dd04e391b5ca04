/**
 * One clean-up stack per test file. A step deferred inside a test (or a `beforeEach`) runs right
 * after that test; one deferred in a `beforeAll` runs when the file is done. Steps run last in,
 * first out, so whatever was made last is closed first: an engine made in a test is closed before
 * the server it talks to is stopped, whichever fixture made each of them. Registering the hooks
 * at the root of the file puts them after every `describe`'s own `afterEach`/`afterAll`.
 */
type Step = () => unknown;

/** A step that hangs (a close waiting on a dead server) must not keep later steps from running. */
const STEP_LIMIT_MS = 15_000;

const perTest: Step[] = [];
const perFile: Step[] = [];
let inTest = false;

beforeEach(() => {
  inTest = true;
});
afterEach(async () => {
  try {
    await drain(perTest);
  } finally {
    inTest = false;
  }
});
afterAll(() => drain(perFile));

/** Run `step` after the current test, or after the file when called outside a test. */
export function defer(step: Step): void {
  (inTest ? perTest : perFile).push(step);
}

async function drain(steps: Step[]): Promise<void> {
  const errors: unknown[] = [];
  for (let step = steps.pop(); step; step = steps.pop()) {
    try {
      await bounded(step);
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} clean-up steps failed`);
}

async function bounded(step: Step): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `a clean-up step did not finish in ${STEP_LIMIT_MS} ms: ${String(step).slice(0, 200)}`,
          ),
        ),
      STEP_LIMIT_MS,
    );
  });
  try {
    await Promise.race([Promise.resolve().then(step), limit]);
  } finally {
    clearTimeout(timer);
  }
}
