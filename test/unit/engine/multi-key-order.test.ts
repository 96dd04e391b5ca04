import fc from 'fast-check';
import { LockEngine, MemoryLockStore, type LockAcquiredEvent } from '../../../src';
import { lockOrder } from '../../../src/engine/multi-key-order';
import { storeKeyOf } from '../../../src/engine/store-key';

const named = (key: string): string => storeKeyOf('lw', key);

describe('the order multi-key locks take their keys in', () => {
  it('is the UTF-8 byte order of the Redis names, not UTF-16 order', () => {
    // U+FF5E sorts after U+1F600 in UTF-16 units (0xFF5E > 0xD83D), before it in UTF-8 bytes.
    const keys = ['\u{1F600}', '\uFF5E', 'b', 'a', '}x'];
    expect(lockOrder('test', keys, named).map((k) => k.key)).toEqual([
      '}x', // stored as lw:{\0}x}: NUL first
      'a',
      'b',
      '\uFF5E',
      '\u{1F600}',
    ]);
    expect(['\u{1F600}', '\uFF5E'].sort()).toEqual(['\u{1F600}', '\uFF5E']);
  });

  it('is the same whatever order the keys are given in, duplicates collapsed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, unit: 'grapheme' }), { minLength: 1 }),
        (keys) => {
          const order = lockOrder('test', keys, named).map((k) => k.key);
          expect(new Set(order).size).toBe(order.length);
          expect(new Set(order)).toEqual(new Set(keys));
          const shuffled = [...keys].reverse();
          expect(lockOrder('test', shuffled, named).map((k) => k.key)).toEqual(order);
          for (let i = 1; i < order.length; i++) {
            expect(
              Buffer.compare(Buffer.from(named(order[i - 1]!)), Buffer.from(named(order[i]!))),
            ).toBe(-1);
          }
        },
      ),
    );
  });

  it('is the order the engine takes them in', async () => {
    const engine = new LockEngine({ store: new MemoryLockStore() });
    const taken: string[] = [];
    engine.on('acquired', (e: LockAcquiredEvent) => taken.push(e.key));
    const lock = await engine.acquire(['q', 'p', '\u{1F600}', '\uFF5E']);
    expect(taken).toEqual(['p', 'q', '\uFF5E', '\u{1F600}']);
    expect(lock.keys).toEqual(taken);
    await engine.close();
  });
});
