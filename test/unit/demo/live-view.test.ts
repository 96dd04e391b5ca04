import { Writable } from 'node:stream';
import { LiveView, type TickRow } from '../../../scripts/demo/live-view';
import { clock } from '../../../scripts/demo/summary';

const T = Date.parse('2030-01-01T10:00:00.000Z');

function capture(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { out, text: () => text };
}

const row = (at: number, ranOn = ['a']): TickRow => ({
  at,
  ranOn,
  skippedBy: ['b', 'c'],
  cutOff: false,
  sections: 50,
  waited: 40,
  handoffsAcross: 30,
});

describe('demo live view', () => {
  it('without a terminal: plain lines, no escape codes, each status printed once', () => {
    const { out, text } = capture();
    const view = new LiveView(out, { tty: false, color: false });
    view.replicas(['a', 'b', 'c']);
    view.status(() => 'waiting for 3 replicas to start (up to 60 s)');
    view.status(() => 'running', { printPlain: false });
    view.row(row(T));
    view.event('kill', 'SIGKILL b', T + 1_050);
    view.close();
    expect(text()).not.toContain('\u001b');
    expect(text().split('\n').filter(Boolean)).toEqual([
      'waiting for 3 replicas to start (up to 60 s)',
      `${clock(T)}  a       b c                50      40      30`,
      `${clock(T + 1_050)}  KILL SIGKILL b`,
    ]);
  });

  it('keeps time order: an event waits for the row of the second before its own', () => {
    const { out, text } = capture();
    const view = new LiveView(out, { tty: false, color: false });
    view.row(row(T));
    // Second T+2 s: its line must come after the row of T+1 s, which is not out yet.
    view.event('takeover', 'c took over', T + 2_010);
    view.event('kill', 'SIGKILL b', T + 1_020);
    expect(text()).not.toContain('TAKEOVER');
    view.row(row(T + 1_000, ['b']));
    // ...and is out as soon as that row is, not a second later.
    expect(text()).toContain('TAKEOVER');
    view.row(row(T + 2_000, ['c']));
    view.endTable();
    const lines = text().split('\n').filter(Boolean);
    expect(lines.map((l) => l.slice(10, 22).trim())).toEqual([
      'a       b c',
      'KILL SIGKILL',
      'b       b c',
      'TAKEOVER c t',
      'c       b c',
    ]);
  });

  it('on a terminal: the status line is redrawn in place below the scrolling lines', () => {
    const { out, text } = capture();
    const view = new LiveView(out, { tty: true, color: true });
    view.status(() => 'waiting for Redis');
    view.line('hello');
    view.close();
    // Each write clears the status line first; the status comes back after the new line.
    expect(text()).toContain('\r\u001b[2Khello\n');
    const ESC = '\u001b';
    expect(text()).toContain(`hello\n\r${ESC}[2K${ESC}[36m`);
    expect(text()).toMatch(/\[0m waiting for Redis/);
    expect(text().endsWith('\r\u001b[2K')).toBe(true);
  });
});
