import {
  LockBusyError,
  LockConfigError,
  LockError,
  LockKeyError,
  LockLostError,
  LockNotHeldError,
  LockStoreError,
  LockTimeoutError,
} from '../../../src';

describe('errors', () => {
  it.each([
    [LockBusyError, 'LOCK_BUSY'],
    [LockTimeoutError, 'LOCK_TIMEOUT'],
    [LockLostError, 'LOCK_LOST'],
    [LockNotHeldError, 'LOCK_NOT_HELD'],
    [LockConfigError, 'LOCK_CONFIG'],
    [LockKeyError, 'LOCK_KEY'],
    [LockStoreError, 'LOCK_STORE'],
  ] as const)('%p has a stable code and its own name', (Class, code) => {
    const error = new Class('message', { key: 'k' });
    expect(error).toBeInstanceOf(LockError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(Class.name);
    expect(error.key).toBe('k');
  });

  it('keeps the cause of a store error', () => {
    const cause = new Error('ECONNRESET');
    expect(new LockStoreError('failed', { cause }).cause).toBe(cause);
  });

  it('busy, timed out and lost are never the same class', () => {
    const classes = [LockBusyError, LockTimeoutError, LockLostError, LockStoreError];
    for (const a of classes) {
      for (const b of classes) {
        if (a !== b) expect(new a('x')).not.toBeInstanceOf(b);
      }
    }
  });
});
