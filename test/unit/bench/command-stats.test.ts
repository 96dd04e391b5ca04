import type Redis from 'ioredis';
import {
  checkCommandCounts,
  readCommandStats,
  sumCounts,
} from '../../../bench/harness/command-stats';

describe('command counts, client side against INFO commandstats', () => {
  it('reads calls per command, subcommands under their command', async () => {
    const admin = {
      info: async () =>
        [
          '# Commandstats',
          'cmdstat_evalsha:calls=12,usec=73,usec_per_call=6.08,rejected_calls=0,failed_calls=1',
          'cmdstat_client|setname:calls=2,usec=3,usec_per_call=1.50,rejected_calls=0,failed_calls=0',
          'cmdstat_client|id:calls=1,usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
          '',
        ].join('\r\n'),
    } as unknown as Redis;
    await expect(readCommandStats(admin)).resolves.toEqual({ evalsha: 12, client: 3 });
  });

  it('accepts commands run inside scripts on top of what clients sent, but not fewer', () => {
    const before = { set: 10, get: 4, evalsha: 2, info: 1 };
    const after = { set: 13, get: 9, evalsha: 5, del: 2, info: 2 };
    const check = checkCommandCounts({ set: 3, evalsha: 3 }, before, after);
    expect(check).toEqual({ ok: true, client: 6, server: 13, problems: [] });

    expect(checkCommandCounts({ set: 4, evalsha: 3 }, before, after).problems).toEqual([
      'set: clients counted 4, server 3',
    ]);
  });

  it('wants script calls to match exactly (nothing calls a script from a script)', () => {
    const check = checkCommandCounts({ evalsha: 2 }, { evalsha: 0 }, { evalsha: 3, eval: 1 });
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      'evalsha: clients counted 2, server 3',
      'eval: clients counted 0, server 1',
    ]);
  });

  it('adds up workers', () => {
    expect(sumCounts([{ set: 1, get: 2 }, { set: 3 }])).toEqual({ set: 4, get: 2 });
  });
});
