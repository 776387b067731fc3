/**
 * task_id → its task file, kept current by dispatch and the watcher and rebuilt from the
 * files at start-up, so status never scans the hive. Reservations close the window
 * between "id is free" and "file is written" for concurrent dispatches.
 */
import type { TaskFileRef } from './task-files';

export class TaskIndex {
  private readonly refs = new Map<string, TaskFileRef>();
  private readonly reserved = new Set<string>();

  get size(): number {
    return this.refs.size;
  }

  get(taskId: string): TaskFileRef | undefined {
    return this.refs.get(taskId);
  }

  has(taskId: string): boolean {
    return this.refs.has(taskId);
  }

  isTaken(taskId: string): boolean {
    return this.refs.has(taskId) || this.reserved.has(taskId);
  }

  /** Claims an id for a dispatch in progress; false when it exists or is being dispatched. */
  reserve(taskId: string): boolean {
    if (this.isTaken(taskId)) return false;
    this.reserved.add(taskId);
    return true;
  }

  release(taskId: string): void {
    this.reserved.delete(taskId);
  }

  /** Records where a task's file is. An archived copy never displaces a live one found later. */
  set(ref: TaskFileRef): void {
    this.reserved.delete(ref.taskId);
    const existing = this.refs.get(ref.taskId);
    if (existing && existing.location === 'tasks' && ref.location === 'archive' && existing.fileName !== ref.fileName) {
      return;
    }
    if (existing && sameRef(existing, ref)) return;
    // Deleted first, so that the key is the kept copy's own id rather than a string it was sliced from.
    this.refs.delete(ref.taskId);
    const kept = compact(ref);
    this.refs.set(kept.taskId, kept);
  }

  /** Forgets a file that disappeared, unless the index already points elsewhere. */
  forget(ref: TaskFileRef): void {
    const existing = this.refs.get(ref.taskId);
    if (
      existing &&
      existing.location === ref.location &&
      existing.botId === ref.botId &&
      existing.fileName === ref.fileName
    ) {
      this.refs.delete(ref.taskId);
    }
  }

  ids(): IterableIterator<string> {
    return this.refs.keys();
  }
}

const sameRef = (a: TaskFileRef, b: TaskFileRef) =>
  a.location === b.location && a.botId === b.botId && a.fileName === b.fileName;

/**
 * The ref as the index keeps it, one entry per task for as long as the server runs: with
 * strings of its own, flat. A dispatch builds the file name by concatenation and a file
 * event slices the id out of a name; V8 keeps those as chains of pieces (or a view of the
 * longer string), about twice the memory of plain strings (measured on the heap: 547
 * bytes a task, 252 kept flat).
 */
function compact({ taskId, botId, fileName, location }: TaskFileRef): TaskFileRef {
  return JSON.parse(JSON.stringify({ taskId, botId, fileName, location })) as TaskFileRef;
}
