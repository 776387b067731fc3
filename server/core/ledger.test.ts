import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from './ledger';

describe('Ledger', () => {
  let dir: string;
  let file: string;
  let ledger: Ledger;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-'));
    file = path.join(dir, 'ledger.db');
    ledger = new Ledger(file);
  });
  afterEach(async () => {
    ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends events with monotonic ids and reads them back per task, in order', async () => {
    const [a, b] = await ledger.appendAll([
      { event_type: 'task_execution_started', task_id: 'T-1', actor: 'test', data: { n: 1 } },
      { event_type: 'task_routed', task_id: 'T-1', actor: 'test' },
    ]);
    const c = await ledger.append({ event_type: 'task_dispatched', task_id: 'T-2', actor: 'test' });
    expect(a!.id).toBeLessThan(b!.id);
    expect(b!.id).toBeLessThan(c.id);
    expect(ledger.forTask('T-1').map((e) => e.event_type)).toEqual(['task_execution_started', 'task_routed']);
    expect(ledger.forTask('T-1')[0]!.data).toEqual({ n: 1 });
    expect(ledger.after(a!.id).map((e) => e.id)).toEqual([b!.id, c.id]);
  });

  it('commits concurrent appends together, in one transaction, and announces them once committed', async () => {
    const batches: number[][] = [];
    ledger.events.on('appended', (events: { id: number }[]) => batches.push(events.map((e) => e.id)));
    const appended = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        ledger.append({ event_type: 'task_dispatched', task_id: `T-${i}`, actor: 'test' }),
      ),
    );
    expect(new Set(appended.map((e) => e.id)).size).toBe(100);
    // One announcement per commit: a ledger that committed each append alone would make 100.
    expect(batches).toEqual([appended.map((e) => e.id)]);
  });

  it("records a task's end exactly once: a second completion or a cancel after it is refused", async () => {
    const end = (event_type: 'task_completed' | 'task_cancelled', via: string) =>
      ledger.recordTerminal({ event_type, task_id: 'T-1', actor: 'test', data: { via } });
    const first = await end('task_completed', 'watcher');
    const again = await Promise.all([end('task_completed', 'startup'), end('task_cancelled', 'operator')]);
    expect(first?.event_type).toBe('task_completed');
    expect(again).toEqual([null, null]);
    expect(ledger.forTask('T-1')).toHaveLength(1);
    expect(ledger.isCompleted('T-1')).toBe(true);
  });

  it('is append-only: the database itself refuses UPDATE and DELETE', async () => {
    await ledger.append({ event_type: 'task_dispatched', task_id: 'T-1', actor: 'test' });
    const other = new Database(file);
    try {
      expect(() => other.prepare("UPDATE events SET actor = 'mallory'").run()).toThrow(/append-only: UPDATE refused/);
      expect(() => other.prepare('DELETE FROM events').run()).toThrow(/append-only: DELETE refused/);
      expect(other.prepare('SELECT actor FROM events').get()).toEqual({ actor: 'test' });
    } finally {
      other.close();
    }
  });

  it('keeps its events across a reopen', async () => {
    await ledger.append({ event_type: 'task_dispatched', task_id: 'T-1', actor: 'test' });
    ledger.close();
    ledger = new Ledger(file);
    expect(ledger.forTask('T-1')).toHaveLength(1);
    const next = await ledger.append({ event_type: 'task_timeout', task_id: 'T-1', actor: 'test' });
    expect(next.id).toBe(2);
  });

  it('brings an existing ledger.db forward without re-running a schema step', async () => {
    await ledger.append({ event_type: 'task_dispatched', task_id: 'T-1', actor: 'test' });
    ledger.close();
    // An index dropped on purpose stays dropped: steps that ran once never run again.
    const db = new Database(file);
    db.exec('DROP INDEX events_by_task');
    db.close();
    ledger = new Ledger(file);
    const inspect = new Database(file, { readonly: true });
    try {
      expect(inspect.prepare("SELECT name FROM sqlite_master WHERE name = 'events_by_task'").all()).toEqual([]);
      expect(inspect.prepare("SELECT version FROM schema_versions WHERE part = 'ledger'").get()).toEqual({
        version: 2,
      });
    } finally {
      inspect.close();
    }
  });

  it('refuses a ledger.db written by a newer server, saying so', () => {
    ledger.close();
    const db = new Database(file);
    db.prepare("UPDATE schema_versions SET version = 99 WHERE part = 'ledger'").run();
    db.close();
    expect(() => (ledger = new Ledger(file))).toThrow(/schema version 99, newer than this server knows/);
    ledger = new Ledger(path.join(dir, 'other.db'));
  });
});
