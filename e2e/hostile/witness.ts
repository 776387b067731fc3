/** Watches a sandboxed hive across many requests: what the server wrote, where, and that nothing earlier changed. */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { entryOf, expect, listTree, sha256, walkOutsideDeia, type Entry, type Sandbox } from './support';

export interface AcceptedTask {
  taskId: string;
  botId: string;
  /** As the reply gave it: relative to HIVE_ROOT. */
  taskPath: string;
}

const TASK_FILE = /^\d{8}T\d{9}Z-(.+)\.json$/;
const DEIA_ENTRIES = new Set([
  'hive',
  'ledger.db',
  'ledger.db-wal',
  'ledger.db-shm',
  'ledger.db-journal',
  'server.lock',
  'server.json',
]);
const HIVE_DIRS = ['archive', 'bees', 'cancels', 'claims', 'held', 'responses', 'tasks', 'tmp'];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class HiveWitness {
  /** task_id → the task a 200 said was dispatched. */
  readonly accepted = new Map<string, AcceptedTask>();
  private readonly firstSeen = new Map<string, Entry>();
  private readonly hashes = new Map<string, string>();

  private constructor(
    private readonly sandbox: Sandbox,
    private readonly outsideBaseline: Map<string, Entry>,
  ) {}

  /** Starts watching a hive no one has dispatched to yet. */
  static async watch(sandbox: Sandbox): Promise<HiveWitness> {
    return new HiveWitness(sandbox, await walkOutsideDeia(sandbox));
  }

  get acceptedIds(): string[] {
    return [...this.accepted.keys()];
  }

  /** Records a dispatch the server answered 200: its one file, where the reply says, and what it held then. */
  async accept(result: { task_id: string; bot_id: string; task_path: string }): Promise<AcceptedTask> {
    const { task_id: taskId, bot_id: botId, task_path: taskPath } = result;
    expect(this.accepted.has(taskId), `${taskId} was accepted twice`).toBe(false);
    expect(taskPath).toMatch(
      new RegExp(`^\\.deia/hive/tasks/${escape(botId)}/\\d{8}T\\d{9}Z-${escape(taskId)}\\.json$`),
    );
    const file = path.join(this.sandbox.root, taskPath);
    const entry = await entryOf(file);
    expect(entry?.kind, `${taskPath} is a regular file`).toBe('file');
    this.firstSeen.set(taskPath, entry!);
    this.hashes.set(taskPath, await sha256(file));
    const task = { taskId, botId, taskPath };
    this.accepted.set(taskId, task);
    return task;
  }

  /**
   * What holds after any sequence of requests: nothing outside `.deia/` appeared or changed
   * (in the root or beside it); `.deia/` holds only the hive and the ledger; no scratch file
   * outlives its request; every accepted task has exactly one task file, and every task
   * file belongs to an accepted task. (`checkUnchanged` adds: no earlier file changed.)
   */
  async check(): Promise<void> {
    expect(await walkOutsideDeia(this.sandbox), 'the sandbox outside .deia/').toEqual(this.outsideBaseline);

    const deia = path.join(this.sandbox.root, '.deia');
    const unexpected = (await readdir(deia)).filter((name) => !DEIA_ENTRIES.has(name));
    expect(unexpected, 'entries in .deia/ besides the hive and the ledger').toEqual([]);
    expect((await readdir(path.join(deia, 'hive'))).sort()).toEqual(HIVE_DIRS);
    for (const dir of ['tmp', 'responses', 'claims', 'archive', 'bees', 'cancels', 'held']) {
      expect(await readdir(path.join(deia, 'hive', dir)), `.deia/hive/${dir}/`).toEqual([]);
    }

    // One assertion over the whole tree: a failure lists every problem at once.
    const problems: string[] = [];
    const filesById = new Map<string, string[]>();
    for (const [rel, kind] of await listTree(path.join(deia, 'hive', 'tasks'))) {
      const parts = rel.split('/');
      const taskPath = `.deia/hive/tasks/${rel}`;
      if (parts.length === 1) {
        if (kind !== 'dir') problems.push(`${taskPath} is a ${kind}, not a bot folder`);
        continue;
      }
      if (parts.length !== 2) problems.push(`${taskPath} is nested below a bot folder`);
      if (kind !== 'file') problems.push(`${taskPath} is a ${kind}, not a regular file`);
      if (!this.firstSeen.has(taskPath)) problems.push(`${taskPath} belongs to no task the server accepted`);
      const id = TASK_FILE.exec(parts[parts.length - 1]!)?.[1] ?? '(not a task file name)';
      filesById.set(id, [...(filesById.get(id) ?? []), taskPath]);
    }
    for (const task of this.accepted.values()) {
      const files = filesById.get(task.taskId) ?? [];
      if (files.length !== 1 || files[0] !== task.taskPath) {
        problems.push(`${task.taskId} should have exactly ${task.taskPath}, has [${files.join(', ')}]`);
      }
    }
    // Further out than the sandbox: a climb of more `..` would land in the temp dir or at /.
    for (const dir of [os.tmpdir(), '/']) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (TASK_FILE.test(name)) problems.push(`${path.join(dir, name)} looks like a task file outside the hive`);
      }
    }
    expect(problems, 'task files that do not match the accepted tasks').toEqual([]);
  }

  /** No earlier file changed: each task file is the same file (inode, size, time) with the same bytes as when it was accepted. */
  async checkUnchanged(): Promise<void> {
    await this.check();
    await Promise.all(
      [...this.firstSeen].map(async ([taskPath, first]) => {
        const file = path.join(this.sandbox.root, taskPath);
        expect(await entryOf(file), `${taskPath} is unchanged since it was written`).toEqual(first);
        expect(await sha256(file), `${taskPath} content`).toBe(this.hashes.get(taskPath));
      }),
    );
  }
}
