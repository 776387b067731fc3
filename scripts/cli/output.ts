/** Where output goes: results on stdout (text or one JSON object per line), notes and errors on stderr. */
import type { CliError } from './errors';

export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** One machine-readable record. */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Human-readable result text. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** Commentary for a person; never part of the result, so it goes to stderr in both modes. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /**
   * `fieldFlags` names server fields the way this command spells them (`timeout_seconds` → `--timeout`),
   * so the message points at what to retype.
   */
  error(err: CliError, fieldFlags: Record<string, string> = {}): void {
    const fields = err.details.fields ?? null;
    if (this.json) {
      this.data({
        status: 'error',
        error: { code: err.details.code ?? 'ERROR', message: err.message, ...(fields ? { fields } : {}) },
        exit_code: err.exitCode,
      });
    }
    const lines: string[] = [];
    if (fields && Object.keys(fields).length) {
      lines.push(`error: the server refused the input${err.details.code ? ` (${err.details.code})` : ''}:`);
      for (const [field, messages] of Object.entries(fields)) {
        const base = field.split('.')[0] ?? field;
        const name = field === '_' ? 'request' : (fieldFlags[field] ?? fieldFlags[base] ?? field);
        for (const message of messages) lines.push(`  ${name}: ${message}`);
      }
    } else {
      lines.push(`error: ${err.message}`);
    }
    if (err.details.hint) lines.push(err.details.hint);
    this.note(lines.join('\n'));
  }
}

/** `key  value` rows with the keys padded to one column. */
export function keyValues(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

/** A plain-text table; the last column is left unpadded so long titles do not add trailing spaces. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
