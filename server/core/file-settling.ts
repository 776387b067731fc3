/**
 * When a file others write counts. Bees that publish by rename hand over a whole file, but
 * agents with an editor tool write in place: create, then write, maybe in parts. A file
 * counts once it has settled: unchanged (size and mtime) for a quiet moment, by this
 * process's clock (a remote writer's clock may be off), and not empty unless empty files
 * count. Until then it is re-checked when its quiet moment is up, or when a file event
 * says it changed. Responses and claims each have one.
 */
export interface FileState {
  size: number;
  mtimeMs: number;
}

interface Watched extends FileState {
  /** When this process first saw the file in its current state. */
  since: number;
  timer: NodeJS.Timeout | null;
}

export class FileSettling {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly quietMs: number,
    /** Called when `name` may have settled; the owner looks again and calls `settled`. */
    private readonly recheck: (name: string) => void,
    private readonly options: { emptyCounts?: boolean } = {},
  ) {}

  /** Whether the file in this state has settled; if not, a recheck is scheduled for when it may have. */
  settled(name: string, state: FileState, now = Date.now()): boolean {
    const empty = state.size === 0 && !this.options.emptyCounts;
    let entry = this.watched.get(name);
    if (!entry && !empty && now - state.mtimeMs >= this.quietMs) return true;
    if (!entry || entry.size !== state.size || entry.mtimeMs !== state.mtimeMs) {
      if (entry?.timer) clearTimeout(entry.timer);
      entry = { ...state, since: now, timer: null };
      this.watched.set(name, entry);
    }
    // An empty file waits for the write that follows (its file event, or the slow re-scan).
    if (empty) return false;
    const quietFor = now - entry.since;
    if (quietFor >= this.quietMs) {
      this.forget(name);
      return true;
    }
    if (!entry.timer) {
      const watched = entry;
      watched.timer = setTimeout(() => {
        watched.timer = null;
        this.recheck(name);
      }, this.quietMs - quietFor);
      watched.timer.unref();
    }
    return false;
  }

  /** The file is gone or counted: stop watching it. */
  forget(name: string): void {
    const entry = this.watched.get(name);
    if (entry?.timer) clearTimeout(entry.timer);
    this.watched.delete(name);
  }

  /** Forgets files that are no longer there (a re-scan of the folder found only `present`). */
  keepOnly(present: ReadonlySet<string>): void {
    for (const name of [...this.watched.keys()]) if (!present.has(name)) this.forget(name);
  }

  close(): void {
    for (const name of [...this.watched.keys()]) this.forget(name);
  }
}
