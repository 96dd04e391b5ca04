import { inspect } from 'node:util';
import { redactError } from '../../../src/stores/redact-error';

const token = 'tOkEn-1234567890abcdef';

/** Like redis-errors' ReplyError (what ioredis rejects with): its name lives on the prototype. */
class ReplyError extends Error {}
Object.defineProperty(ReplyError.prototype, 'name', { value: 'ReplyError' });

describe('redactError', () => {
  it('keeps class, name, message, facts and the command name; drops the arguments', () => {
    const error: Error = Object.assign(new ReplyError(`ERR something about ${token}`), {
      command: { name: 'evalsha', args: ['sha', 'lw:{k}', token, 30_000] },
      code: 'ERR',
    });
    const copy = redactError(error, [token]);
    expect(copy).toBeInstanceOf(ReplyError);
    expect(copy.name).toBe('ReplyError');
    expect(copy.message).toBe('ERR something about [redacted]');
    expect(copy).toMatchObject({ code: 'ERR', command: { name: 'evalsha' } });
    expect((copy as unknown as { command: object }).command).toEqual({ name: 'evalsha' });
    expect(inspect(copy, { showHidden: true, depth: null })).not.toContain(token);
    expect(copy.stack).not.toContain(token);
  });

  it('copies the cause chain (cycles included), aggregate errors and cluster node errors', () => {
    const inner = Object.assign(new Error('inner'), { command: { name: 'x', args: [token] } });
    const outer = new Error(`outer ${token}`, { cause: inner });
    (inner as { cause?: unknown }).cause = outer;
    const aggregate = new AggregateError([outer, `plain ${token}`], 'many');
    const cluster = Object.assign(new Error('Failed to refresh slots cache.'), {
      lastNodeError: inner,
    });
    for (const error of [outer, aggregate, cluster]) {
      const copy = redactError(error, [token]);
      expect(inspect(copy, { showHidden: true, depth: null })).not.toContain(token);
    }
    const copy = redactError(outer, [token]);
    expect((copy.cause as Error).cause as Error).toBe(copy);
    expect(redactError(aggregate, [token])).toBeInstanceOf(AggregateError);
    expect((redactError(cluster, [token]).cause as Error).message).toBe('inner');
  });

  it('turns a thrown non-error into an Error with redacted text', () => {
    expect(redactError(`failed for ${token}`, [token]).message).toBe('failed for [redacted]');
    expect(redactError({ args: [token] }, [token]).message).toBe('[object Object]');
  });
});
