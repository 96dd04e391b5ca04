import { WriteCoalescer } from '../../../src/stores/clients/write-coalescer';
import type { PortScript, ScriptCall } from '../../../src/stores/clients/redis-port';

const script: PortScript = { name: 's', source: 'return 1', sha: 'x'.repeat(40) };
const call = (id: string): ScriptCall => ({ script, keys: [id], args: [] });

/** A fake connection: records what is written, one entry per write; replies on demand. */
function fakeConnection() {
  const writes: string[][] = [];
  const pending: Array<() => void> = [];
  const one = (c: ScriptCall): Promise<unknown> => {
    writes.push([c.keys[0]!]);
    return new Promise((resolve) => pending.push(() => resolve(`r:${c.keys[0]}`)));
  };
  const many = (calls: readonly ScriptCall[]): Promise<unknown[]> => {
    writes.push(calls.map((c) => c.keys[0]!));
    return new Promise((resolve) =>
      pending.push(() =>
        resolve(calls.map((c) => (c.keys[0] === 'bad' ? new Error('ERR bad') : `r:${c.keys[0]}`))),
      ),
    );
  };
  const replyAll = (): void => pending.splice(0).forEach((reply) => reply());
  return { writes, one, many, replyAll };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WriteCoalescer', () => {
  it('writes a call at once when nothing is in flight', async () => {
    const conn = fakeConnection();
    const writer = new WriteCoalescer(conn.one, conn.many);
    const reply = writer.run(call('a'));
    expect(conn.writes).toEqual([['a']]);
    conn.replyAll();
    await expect(reply).resolves.toBe('r:a');
  });

  it('gathers calls made while others are in flight into one write, in order, one answer each', async () => {
    const conn = fakeConnection();
    const writer = new WriteCoalescer(conn.one, conn.many);
    const first = writer.run(call('a'));
    const rest = ['b', 'bad', 'c'].map((id) => writer.run(call(id)));
    expect(conn.writes).toEqual([['a']]);
    await turn();
    expect(conn.writes).toEqual([['a'], ['b', 'bad', 'c']]);
    conn.replyAll();
    await expect(first).resolves.toBe('r:a');
    await expect(rest[0]).resolves.toBe('r:b');
    await expect(rest[1]).rejects.toThrow('ERR bad');
    await expect(rest[2]).resolves.toBe('r:c');
    // Nothing in flight any more: the next call goes out at once again.
    void writer.run(call('d'));
    expect(conn.writes).toHaveLength(3);
  });

  it('never lets a later call overtake gathered ones', async () => {
    const conn = fakeConnection();
    const writer = new WriteCoalescer(conn.one, conn.many);
    void writer.run(call('a'));
    // 'a' is answered; before 'b' (made afterwards) is written, 'c' comes, with nothing in
    // flight any more: it must follow 'b', not go first.
    conn.replyAll();
    void Promise.resolve().then(() => writer.run(call('c')));
    void writer.run(call('b'));
    await turn();
    expect(conn.writes).toEqual([['a'], ['b', 'c']]);
  });

  it('rejects every gathered call when the batch fails as a whole, and keeps working', async () => {
    const conn = fakeConnection();
    let failing = true;
    const writer = new WriteCoalescer(conn.one, (calls) =>
      failing ? Promise.reject(new Error('connection lost')) : conn.many(calls),
    );
    void writer.run(call('a'));
    const gathered = [writer.run(call('b')), writer.run(call('c'))];
    await turn();
    for (const reply of gathered) await expect(reply).rejects.toThrow('connection lost');
    failing = false;
    conn.replyAll();
    await turn();
    const next = writer.run(call('d'));
    expect(conn.writes.at(-1)).toEqual(['d']);
    conn.replyAll();
    await expect(next).resolves.toBe('r:d');
  });
});
