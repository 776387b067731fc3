/** The one-line progress report of a wait: redrawn in place on a terminal, occasional plain lines otherwise. */

const PLAIN_EVERY_MS = 10_000;

export class ProgressLine {
  private drawn = false;
  private lastKey = '';
  private lastPlainAt = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get interactive(): boolean {
    return this.stream.isTTY === true;
  }

  /** `key` is what counts as news (the status): a log gets a line when it changes, or every 10 s. */
  update(key: string, text: string): void {
    if (this.interactive) {
      this.stream.write(`\r${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (key !== this.lastKey || now - this.lastPlainAt >= PLAIN_EVERY_MS) {
      this.stream.write(`${text}\n`);
      this.lastKey = key;
      this.lastPlainAt = now;
    }
  }

  /** Leaves the terminal on a fresh line for whatever is printed next. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
