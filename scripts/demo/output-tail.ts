/** Keeps the last lines a child process wrote to stdout/stderr, to show when something went wrong. */
export class OutputTail {
  readonly lines: string[] = [];
  #partial = '';

  constructor(private readonly keep = 40) {}

  append(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim().length === 0) continue;
      this.lines.push(line);
      if (this.lines.length > this.keep) this.lines.shift();
    }
  }
}
