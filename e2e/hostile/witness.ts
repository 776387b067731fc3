/** Watches a sandboxed hive across many requests: what the server wrote, where, and that nothing earlier changed. */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  entryOf,
  expect,
  expectCleanJson,
  listTree,
  send,
  sha256,
  trpcInput,
  walkOutsideDeia,
  type Entry,
  type HostileHive,
  walk,
  type Sandbox,
} from './support';

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

/** What the specs ask of a witness, whichever store holds the hive. */
export interface Witness {
  readonly accepted: Map<string, AcceptedTask>;
  readonly acceptedIds: string[];
  accept(result: { task_id: string; bot_id: string; task_path: string }): Promise<AcceptedTask>;
  /** The accepted task as the hive holds it (what a bee reads). */
  stored(task: AcceptedTask): Promise<Record<string, unknown>>;
  check(): Promise<void>;
  checkUnchanged(): Promise<void>;
}

/** The witness for the hive's store: its files (HiveWitness), or its database seen through the API (DatabaseWitness). */
export function watchHive(hive: HostileHive): Promise<Witness> {
  return hive.store === 'postgres' ? DatabaseWitness.watch(hive) : HiveWitness.watch(hive.sandbox);
}

export class HiveWitness implements Witness {
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

  async stored(task: AcceptedTask): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(path.join(this.sandbox.root, task.taskPath), 'utf8')) as Record<string, unknown>;
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

/** The sandbox but for `.deia/` and the server's own mirror of the database (HIVE_MIRROR_DIR, root/mirror for test servers). */
const outsideTheServers = (sandbox: Sandbox) =>
  walk(sandbox.dir, (rel) => rel === 'root/.deia' || rel === 'root/mirror');

/**
 * The witness of a hive in PostgreSQL, where there are no hive files: nothing appears or changes
 * in the sandbox but the server's mirror (no `.deia/` but for the routing table a test writes there), the database holds
 * exactly the accepted tasks (tasks.count), and each stays as it was accepted (tasks.detail).
 */
export class DatabaseWitness implements Witness {
  readonly accepted = new Map<string, AcceptedTask>();
  private readonly firstSeen = new Map<string, string>();

  private constructor(
    private readonly hive: HostileHive,
    private readonly outsideBaseline: Map<string, Entry>,
  ) {}

  static async watch(hive: HostileHive): Promise<DatabaseWitness> {
    // Made before the baseline: the routing table a test may write lives in .deia/ on either store.
    await mkdir(path.join(hive.sandbox.root, '.deia'), { recursive: true });
    return new DatabaseWitness(hive, await outsideTheServers(hive.sandbox));
  }

  get acceptedIds(): string[] {
    return [...this.accepted.keys()];
  }

  async accept(result: { task_id: string; bot_id: string; task_path: string }): Promise<AcceptedTask> {
    const { task_id: taskId, bot_id: botId, task_path: taskPath } = result;
    expect(this.accepted.has(taskId), `${taskId} was accepted twice`).toBe(false);
    expect(taskPath).toBe(`postgres:tasks/${taskId}`);
    const task = { taskId, botId, taskPath };
    this.firstSeen.set(taskId, JSON.stringify(await this.stored(task)));
    this.accepted.set(taskId, task);
    return task;
  }

  async stored(task: AcceptedTask): Promise<Record<string, unknown>> {
    const requestPath = `/api/trpc/tasks.detail${trpcInput({ task_id: task.taskId })}`;
    const reply = await send(this.hive.server, { path: requestPath });
    const json = expectCleanJson(reply, `detail of ${task.taskId}`);
    expect(reply.status, `tasks.detail of ${task.taskId}`).toBe(200);
    expect(json.result.data.task, `${task.taskId} is stored`).not.toBeNull();
    return json.result.data.task as Record<string, unknown>;
  }

  async check(): Promise<void> {
    const { sandbox } = this.hive;
    expect(await outsideTheServers(sandbox), 'the sandbox outside .deia/ and mirror/').toEqual(this.outsideBaseline);
    const deia = await readdir(path.join(sandbox.root, '.deia')).catch(() => [] as string[]);
    expect(
      deia.filter((name) => name !== 'routing.json'),
      'a hive in PostgreSQL writes nothing in .deia/',
    ).toEqual([]);
    // tasks.count is exact (health's count is re-counted every few seconds on Postgres).
    const reply = await send(this.hive.server, { path: `/api/trpc/tasks.count${trpcInput({})}` });
    const count = expectCleanJson(reply, 'tasks.count').result.data as number;
    expect(count, 'the tasks in the database are the accepted ones').toBe(this.accepted.size);
    for (const dir of [os.tmpdir(), '/']) {
      const strays = (await readdir(dir).catch(() => [] as string[])).filter((name) => TASK_FILE.test(name));
      expect(strays, `task files in ${dir}`).toEqual([]);
    }
  }

  async checkUnchanged(): Promise<void> {
    await this.check();
    for (const task of this.accepted.values()) {
      expect(JSON.stringify(await this.stored(task)), `${task.taskId} is unchanged since it was accepted`).toBe(
        this.firstSeen.get(task.taskId),
      );
    }
  }
}
