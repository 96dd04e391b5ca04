import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The README's TypeScript blocks that say they come from an example are that example's text.
// Such a block follows a `<!-- example: examples/<file> -->` line (blank lines between); a line `// ...` in it stands
// for text left out, and every stretch between those must appear verbatim in the file, in order.
// The quick starts are whole programs: their blocks are the complete files (header comment aside).

const root = join(__dirname, '../../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const MARKER = /^<!-- example: (examples\/\S+\.ts) -->$/;
const ELISION = /^\s*\/\/ \.\.\.$/;

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  /** The example it claims to come from, if it has a marker. */
  source: string | undefined;
  /** The text just before the block (its introducing paragraph). */
  intro: string;
  code: string;
}

function tsBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('```')) continue;
    const end = lines.indexOf('```', i + 1);
    if (lines[i] === '```ts') {
      let previous = i - 1;
      while (previous > 0 && lines[previous]!.trim() === '') previous--;
      const source = MARKER.exec(lines[previous] ?? '')?.[1];
      let start = i - 1;
      while (start > 0 && (lines[start]!.trim() === '' || MARKER.test(lines[start]!))) start--;
      let paragraph = start;
      while (paragraph > 0 && lines[paragraph - 1]!.trim() !== '') paragraph--;
      blocks.push({
        line: i + 1,
        source,
        intro: lines.slice(paragraph, start + 1).join('\n'),
        code: lines.slice(i + 1, end).join('\n'),
      });
    }
    i = end;
  }
  return blocks;
}

/** The stretches of a block between `// ...` lines, without blank lines at their ends. */
function stretches(code: string): string[] {
  const parts: string[][] = [[]];
  for (const line of code.split('\n')) {
    if (ELISION.test(line)) parts.push([]);
    else parts[parts.length - 1]!.push(line);
  }
  return parts
    .map((part) => part.join('\n').replace(/^\n+|\n+$/g, ''))
    .filter((part) => part !== '');
}

function withoutHeaderComment(file: string): string {
  const lines = file.split('\n');
  const first = lines.findIndex((line) => !line.startsWith('//'));
  return lines.slice(first).join('\n').trim();
}

const blocks = tsBlocks(readme);
const fromExamples = blocks.filter((block) => block.source !== undefined);

describe('README code blocks taken from examples/', () => {
  it('finds the marked blocks, both quick starts among them', () => {
    expect(fromExamples.length).toBeGreaterThanOrEqual(10);
    const sources = new Set(fromExamples.map((block) => block.source));
    for (const file of [
      'examples/quick-start.ts',
      'examples/nestjs-quick-start.ts',
      'examples/plain-typescript.ts',
      'examples/nestjs-config.module.ts',
      'examples/nestjs-app/billing.service.ts',
      'examples/nestjs-app/heartbeat.job.ts',
      'examples/topologies.ts',
    ]) {
      expect(sources).toContain(file);
    }
  });

  it.each(fromExamples.map((block) => [`line ${block.line} (${block.source})`, block] as const))(
    'the block at %s is the example text',
    (_where, block) => {
      const file = readFileSync(join(root, block.source!), 'utf8');
      let from = 0;
      for (const stretch of stretches(block.code)) {
        const at = file.indexOf(stretch, from);
        expect({ stretch, foundInOrder: at >= 0 }).toEqual({ stretch, foundInOrder: true });
        from = at + stretch.length;
      }
    },
  );

  it.each(['examples/quick-start.ts', 'examples/nestjs-quick-start.ts'])(
    'the quick start %s is shown whole',
    (source) => {
      const block = fromExamples.find((b) => b.source === source);
      const file = readFileSync(join(root, source), 'utf8');
      expect(block?.code).toBe(withoutHeaderComment(file));
    },
  );

  it('marks every block whose introduction says it comes from an example', () => {
    const unmarked = blocks
      .filter(
        (block) =>
          block.source === undefined && /From\s+\[`[^\]]+`\]\(examples\//.test(block.intro),
      )
      .map((block) => `line ${block.line}: ${block.intro}`);
    expect(unmarked).toEqual([]);
  });
});
