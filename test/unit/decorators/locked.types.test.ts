import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

// `tsc --noEmit` proves that every `@ts-expect-error` in the type tests meets *an* error. This
// proves it is the intended one: it compiles each file with its `@ts-expect-error` comments
// disabled and checks that the error on the next line contains the text after `--`.

const root = join(__dirname, '../../..');

interface Expectation {
  /** 0-based line where the error must be, as the compiler counts. */
  at: number;
  /** 1-based, as editors show it. */
  line: number;
  reason: string;
}

function diagnosticsOf(
  configFile: string,
  file: string,
): { expectations: Expectation[]; errors: Map<number, string[]> } {
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${configFile}`);
  const source = readFileSync(file, 'utf8');
  const expectations: Expectation[] = [];
  source.split('\n').forEach((text, index) => {
    const match = /\/\/ @ts-expect-error -- (.+)$/.exec(text);
    // The error is expected on the line after the comment.
    if (match) expectations.push({ at: index + 1, line: index + 2, reason: match[1]! });
  });
  // Same length, so positions stay put; the compiler now reports what the comments hid.
  const disabled = source.replaceAll('// @ts-expect-error', '// ts-expect-error!');
  const options = { ...config.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === file
      ? ts.createSourceFile(name, disabled, languageVersion, true)
      : getSourceFile(name, languageVersion, ...rest);
  const program = ts.createProgram({ rootNames: [file], options, host });
  const errors = new Map<number, string[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) {
      throw new Error(
        `unexpected diagnostic outside ${file}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
      );
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const list = errors.get(line) ?? [];
    list.push(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    errors.set(line, list);
  }
  return { expectations, errors };
}

describe.each([
  ['legacy decorators', 'tsconfig.json', 'test/types/locked.types.ts'],
  [
    'TC39 decorators',
    'test/fixtures/decorators/tc39/tsconfig.json',
    'test/fixtures/decorators/tc39/locked.types.ts',
  ],
])('@Locked type tests under %s', (_system, config, file) => {
  const path = join(root, file);
  const { expectations, errors } = diagnosticsOf(join(root, config), path);

  it('has expectations', () => {
    expect(expectations.length).toBeGreaterThan(4);
  });

  it.each(expectations)('line $line fails because: $reason', ({ at, reason }) => {
    expect(errors.get(at) ?? []).toEqual(
      expect.arrayContaining([expect.stringContaining(reason)]) as unknown,
    );
  });

  it('has no error anywhere else', () => {
    const expected = new Set(expectations.map((e) => e.at));
    const stray = [...errors.entries()].filter(([line]) => !expected.has(line));
    expect(stray).toEqual([]);
  });
});
