import type { LockLogger } from '../../src';

/** The engines the bench creates log nothing: a warning printed mid-measurement costs time. */
export const quietLogger: LockLogger = { warn: () => undefined, error: () => undefined };
