/**
 * An in-memory index of `responses/`, so "latest response for task T" costs a few map
 * lookups instead of a directory scan. Files are indexed by each word of their name; a
 * lookup takes the rarest word of the task id and checks only those candidates.
 */
import { matchesTask, wordsOf } from './response-match';

export interface ResponseEntry {
  name: string;
  mtimeMs: number;
}

export class ResponseIndex {
  private readonly entries = new Map<string, ResponseEntry>();
  private readonly byWord = new Map<string, Set<string>>();

  get size(): number {
    return this.entries.size;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Returns true when the file is new to the index. */
  upsert(name: string, mtimeMs: number): boolean {
    const existing = this.entries.get(name);
    if (existing) {
      existing.mtimeMs = mtimeMs;
      return false;
    }
    this.entries.set(name, { name, mtimeMs });
    for (const word of new Set(wordsOf(name))) {
      let names = this.byWord.get(word);
      if (!names) this.byWord.set(word, (names = new Set()));
      names.add(name);
    }
    return true;
  }

  remove(name: string): void {
    if (!this.entries.delete(name)) return;
    for (const word of new Set(wordsOf(name))) {
      const names = this.byWord.get(word);
      names?.delete(name);
      if (names?.size === 0) this.byWord.delete(word);
    }
  }

  /** The files a lookup for the task looks at: those holding the id's rarest word. */
  candidatesFor(taskId: string): ReadonlySet<string> {
    let candidates: Set<string> | undefined;
    for (const word of wordsOf(taskId)) {
      const names = this.byWord.get(word);
      if (!names) return new Set();
      if (!candidates || names.size < candidates.size) candidates = names;
    }
    return candidates ?? new Set();
  }

  /** The newest file (by modification time, then name) that belongs to the task. */
  latestFor(taskId: string): ResponseEntry | undefined {
    let best: ResponseEntry | undefined;
    for (const name of this.candidatesFor(taskId)) {
      if (!matchesTask(name, taskId)) continue;
      const entry = this.entries.get(name)!;
      if (!best || entry.mtimeMs > best.mtimeMs || (entry.mtimeMs === best.mtimeMs && entry.name > best.name)) {
        best = entry;
      }
    }
    return best;
  }
}
