import { setTimeout as realTimeout } from 'node:timers';
import {
  BUSY_AT,
  CALLS_PER_FLUSH,
  WriteBatch,
  type Corkable,
} from '../../../src/stores/clients/write-batch';

/** A socket that records what it was asked: corks, uncorks and the writes between them. */
class RecordingSocket implements Corkable {
  corked = 0;
  readonly events: string[] = [];
  /** The writes that reached the kernel, as groups (one per flush or lone write). */
  readonly flushed: string[][] = [];
  #buffered: string[] = [];

  cork(): void {
    this.corked += 1;
    this.events.push('cork');
  }

  uncork(): void {
    this.corked -= 1;
    this.events.push('uncork');
    if (this.corked === 0 && this.#buffered.length > 0) {
      this.flushed.push(this.#buffered);
      this.#buffered = [];
    }
  }

  write(call: string): void {
    if (this.corked > 0) this.#buffered.push(call);
    else this.flushed.push([call]);
  }
}

/** What the port does per call: tell the batch, then write. */
function send(batch: WriteBatch, socket: RecordingSocket, call: string, waiting: number): void {
  batch.add(socket, waiting);
  socket.write(call);
}

/** Lets every pending promise job run (a timer fires only after the microtask queue is empty). */
const afterMicrotasks = (): Promise<void> => new Promise((resolve) => realTimeout(resolve, 0));
/** One promise job. */
const aJob = (): Promise<void> => Promise.resolve();

describe('WriteBatch', () => {
  it('leaves calls alone while the connection has fewer than BUSY_AT calls awaiting replies', async () => {
    const batch = new WriteBatch();
    const socket = new RecordingSocket();
    for (let i = 0; i < 5; i += 1) send(batch, socket, `c${i}`, BUSY_AT - 1);
    await afterMicrotasks();
    expect(socket.events).toEqual([]);
    expect(socket.flushed).toEqual([['c0'], ['c1'], ['c2'], ['c3'], ['c4']]);
  });

  it('on a busy connection, sends the calls of one pass in one write once the pass is over', async () => {
    const batch = new WriteBatch();
    const socket = new RecordingSocket();
    send(batch, socket, 'a', BUSY_AT);
    send(batch, socket, 'b', BUSY_AT + 1);
    // Made by promise jobs queued meanwhile, as continuations resumed by one read of replies.
    const later = (async () => {
      await aJob();
      send(batch, socket, 'c', BUSY_AT + 2);
      await aJob();
      send(batch, socket, 'd', BUSY_AT + 3);
    })();
    expect(socket.flushed).toEqual([]);
    await later;
    await afterMicrotasks();
    expect(socket.flushed).toEqual([['a', 'b', 'c', 'd']]);
    expect(socket.corked).toBe(0);
  });

  it(`flushes every ${CALLS_PER_FLUSH} calls of a long burst, and the rest when it ends`, async () => {
    const batch = new WriteBatch();
    const socket = new RecordingSocket();
    const calls = Array.from({ length: 2 * CALLS_PER_FLUSH + 3 }, (_, i) => `c${i}`);
    for (const call of calls) send(batch, socket, call, 64);
    // The first two groups left during the burst, before any promise job ran.
    expect(socket.flushed).toEqual([
      calls.slice(0, CALLS_PER_FLUSH),
      calls.slice(CALLS_PER_FLUSH, 2 * CALLS_PER_FLUSH),
    ]);
    await afterMicrotasks();
    expect(socket.flushed.flat()).toEqual(calls);
    expect(socket.flushed.at(-1)).toEqual(calls.slice(2 * CALLS_PER_FLUSH));
    expect(socket.events.filter((e) => e === 'cork')).toHaveLength(3);
    expect(socket.events.filter((e) => e === 'uncork')).toHaveLength(3);
    expect(socket.corked).toBe(0);
  });

  it('a call on another socket (a reconnect) sends what waits on the first one at once', () => {
    const batch = new WriteBatch();
    const first = new RecordingSocket();
    const second = new RecordingSocket();
    send(batch, first, 'a', 20);
    send(batch, first, 'b', 20);
    send(batch, second, 'c', 0);
    expect(first.flushed).toEqual([['a', 'b']]);
    expect(first.corked).toBe(0);
    expect(second.flushed).toEqual([['c']]);
  });

  it('starts a new batch after the last one was sent', async () => {
    const batch = new WriteBatch();
    const socket = new RecordingSocket();
    send(batch, socket, 'a', 20);
    send(batch, socket, 'b', 20);
    await afterMicrotasks();
    send(batch, socket, 'c', 20);
    send(batch, socket, 'd', 20);
    await afterMicrotasks();
    expect(socket.flushed).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('a socket that throws while it is flushed does not escape as an unhandled rejection', async () => {
    const batch = new WriteBatch();
    const socket = new RecordingSocket();
    socket.uncork = () => {
      throw new Error('write after end');
    };
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', record);
    try {
      send(batch, socket, 'a', 20);
      send(batch, socket, 'b', 20);
      await afterMicrotasks();
      await afterMicrotasks();
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(unhandled).toEqual([]);
    // The batch was closed all the same: the next busy call corks afresh.
    const next = new RecordingSocket();
    send(batch, next, 'c', 20);
    await afterMicrotasks();
    expect(next.events).toEqual(['cork', 'uncork']);
  });

  describe('with fake timers', () => {
    afterEach(() => jest.useRealTimers());

    it('still sends: it needs no timer, tick or queueMicrotask', async () => {
      jest.useFakeTimers();
      const batch = new WriteBatch();
      const socket = new RecordingSocket();
      send(batch, socket, 'a', 20);
      send(batch, socket, 'b', 20);
      // Promise jobs only; no fake clock is advanced.
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
      expect(socket.flushed).toEqual([['a', 'b']]);
      expect(socket.corked).toBe(0);
    });
  });
});
