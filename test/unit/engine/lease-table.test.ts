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

  it('walks the live leases, skipping one deleted during the walk', () => {
    const table = new LeaseTable();
    const names = ['lw:{c}', 'lw:{a}', 'lw:{b}', 'lw:{d}'];
    for (const name of names) table.set(name, lease(name));
    table.delete('lw:{a}');
    table.set('lw:{e}', lease('lw:{e}'));
    table.delete('lw:{e}');
    table.set('lw:{a}', lease('lw:{a}'));
    const seen: string[] = [];
    for (const entry of table.values()) {
      const { name } = entry as unknown as { name: string };
      seen.push(name);
      // The renewal scheduler may drop leases while it walks them (an expired lease).
      if (name === 'lw:{c}') table.delete('lw:{d}');
    }
    expect(seen.sort()).toEqual(['lw:{a}', 'lw:{b}', 'lw:{c}']);
    expect(table.size).toBe(3);
  });

  it('does not grow with keys that come and go: deleted entries are swept', () => {
    const table = new LeaseTable();
    const kept = lease('kept');
    table.set('lw:{kept}', kept);
    for (let i = 0; i < 10_000; i += 1) {
      table.set(`lw:{k${i}}`, lease(`k${i}`));
      table.delete(`lw:{k${i}}`);
      expect(table.footprint).toBeLessThanOrEqual(2 * table.size + 64 + 1);
    }
    expect(table.size).toBe(1);
    expect([...table.values()]).toEqual([kept]);
    // Deleting during a walk also sweeps safely.
    for (let i = 0; i < 200; i += 1) table.set(`lw:{w${i}}`, lease(`w${i}`));
    let walked = 0;
    for (const entry of table.values()) {
      walked += 1;
      if (entry !== kept) table.delete(`lw:{${(entry as unknown as { name: string }).name}}`);
    }
    expect(walked).toBe(201);
    expect(table.size).toBe(1);
    expect(table.footprint).toBeLessThanOrEqual(2 + 64 + 1);
  });
});
