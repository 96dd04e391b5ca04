import { LeaseTable } from '../../../src/engine/held-leases';
import type { LockLease } from '../../../src/engine/lock-lease';

const lease = (name: string) => ({ name }) as unknown as LockLease;

describe('LeaseTable: the held leases by store key', () => {
  it('adds, finds, replaces and deletes entries, counting them', () => {
    const table = new LeaseTable();
    const a = lease('a');
    const b = lease('b');
    table.set('lw:{a}', a);
    table.set('lw:{b}', b);
    expect(table.size).toBe(2);
    expect(table.get('lw:{a}')).toBe(a);
    expect(table.get('lw:{c}')).toBeUndefined();
    table.set('lw:{a}', b);
    expect(table.size).toBe(2);
    table.delete('lw:{a}');
    table.delete('lw:{a}');
    table.delete('lw:{never}');
    expect(table.size).toBe(1);
    expect(table.get('lw:{a}')).toBeUndefined();
  });

  it('keeps names that mean something to plain objects as ordinary keys', () => {
    const table = new LeaseTable();
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '{__proto__}']) {
      expect(table.get(name)).toBeUndefined();
      table.set(name, lease(name));
      expect(table.get(name)).toEqual({ name });
    }
    expect(table.size).toBe(5);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('iterates in the order entries were added, skipping one deleted during the walk', () => {
    const table = new LeaseTable();
    const names = ['lw:{c}', 'lw:{a}', 'lw:{b}', 'lw:{d}'];
    for (const name of names) table.set(name, lease(name));
    table.delete('lw:{a}');
    table.set('lw:{a}', lease('lw:{a}'));
    const seen: string[] = [];
    for (const entry of table.values()) {
      const { name } = entry as unknown as { name: string };
      seen.push(name);
      // The renewal scheduler may drop leases while it walks them (an expired lease).
      if (name === 'lw:{c}') table.delete('lw:{d}');
    }
    expect(seen).toEqual(['lw:{c}', 'lw:{b}', 'lw:{a}']);
  });
});
