import { LockConfigError } from '../../src';
import { assembleScript } from '../../src/stores/lua/scripts';

describe('assembleScript', () => {
  it('returns a script without includes as it is', () => {
    expect(assembleScript('a.lua', { 'a.lua': 'return 1\n' })).toBe('return 1\n');
  });

  it('prepends each included file once, includes of includes first', () => {
    const sources = {
      'main.lua':
        '-- KEYS[1] x\n--- @include "include/b"\n--- @include "include/a"\nreturn b() + a()\n',
      'include/a.lua': '--- @include "include/clock"\nlocal function a() return now() end\n',
      'include/b.lua': '--- @include "include/clock"\nlocal function b() return now() end\n',
      'include/clock.lua': 'local function now() return 1 end\n',
    };
    expect(assembleScript('main.lua', sources)).toBe(
      [
        'local function now() return 1 end\n',
        '\nlocal function b() return now() end\n',
        '\nlocal function a() return now() end\n',
        '-- KEYS[1] x\n\n\nreturn b() + a()\n',
      ].join('\n'),
    );
  });

  it('names a missing include and the script that asked for it', () => {
    expect(() =>
      assembleScript('main.lua', { 'main.lua': '--- @include "include/gone"\n' }),
    ).toThrow(new LockConfigError('Lua script main.lua includes include/gone.lua does not exist'));
  });

  it('refuses an include cycle', () => {
    const sources = {
      'main.lua': '--- @include "x"\n',
      'x.lua': '--- @include "y"\n',
      'y.lua': '--- @include "x"\n',
    };
    expect(() => assembleScript('main.lua', sources)).toThrow(
      new LockConfigError(
        'Lua include cycle: main.lua includes x.lua includes y.lua includes x.lua',
      ),
    );
  });

  it('leaves lines that only mention @include alone', () => {
    const text = '-- see --- @include "x" in the docs\nreturn 1\n';
    expect(assembleScript('a.lua', { 'a.lua': text })).toBe(text);
  });
});
