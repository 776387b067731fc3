/**
 * Moving a file hive (HIVE_ROOT/.deia) into an empty PostgreSQL hive, for `hive import`.
 *
 * The file hive is read as its server would read it on a stopped hive: the server's lock is
 * taken (so no server runs on it meanwhile), `ledger.db` is opened read-only, the task list
 * is projected from the ledger by the embedded hive's own projection (task-projection.ts, the
 * code behind task_view and bot_view), and task and response files are found by its own
 * index and readers. Nothing in the file hive is changed.
 *
 * The database gets it all in one transaction (schema steps first), or nothing: every ledger
 * event with its id, one row per task, the newest response of each ended task, and each
 * bot's pause. Claims do not carry over: a task a bee held in the file hive waits again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import type { TaskRow } from '../../server/contracts/task-list';
import { BotView } from '../../server/core/bot-view';
import { HiveError } from '../../server/core/errors';
import { toEvent, type LedgerRow } from '../../server/core/ledger';
import { lockHive, type HiveLock } from '../../server/core/hive-lock';
import { hivePaths, relativeToRoot, type HivePaths } from '../../server/core/hive-paths';
import { ResponseIndex } from '../../server/core/response-index';
import { candidateTaskIds } from '../../server/core/response-match';
import { readTaskFile, scanTaskFiles, taskFilePath } from '../../server/core/task-files';
import { TaskIndex } from '../../server/core/task-index';
import { projectTask } from '../../server/core/task-projection';
import { EVENTS_CHANNEL } from '../../server/store/pg/pg-events';
import { migrateWithin, type Migration } from '../../server/store/pg/pg-schema';
import type { StoreState } from '../../server/store/pg/pg-task-rows';
import { CliError, usageError } from './errors';
import { EXIT } from './exit-codes';

/** A task as it will be imported: its row in the file hive's task list, and where it goes. */
export interface PlannedTask {
  row: TaskRow;
  state: StoreState;
  /** A bee held it in the file hive; the claim stays behind and the task waits for a bee again. */
  offeredAgain: boolean;
  /** Its task file, or null when the task is rebuilt from its ledger events. */
  file: string | null;
  /** The response file imported with it (the newest of an ended task), by name in responses/. */
  response: { name: string; mtimeMs: number } | null;
}

export interface ImportPlan {
  root: string;
  events: number;
  lastEventId: number;
  /** In dispatch order (the ledger id of each task's first event), as bees are offered them. */
  tasks: PlannedTask[];
  bots: { bot_id: string; paused: boolean }[];
  /** Response files no task in the ledger owns (left out). */
  strayResponses: number;
  /** One line each, for a person: what will not come across as it was. */
  warnings: string[];
}

/** What an import did (or, in a dry run, would do). */
export interface ImportSummary {
  dry_run: boolean;
  /** Schema steps applied first (in a dry run: those that would be). */
  schema_steps: { version: number; name: string }[];
  events: { count: number; last_id: number };
  tasks: {
    count: number;
    waiting: number;
    held: number;
    done: number;
    /** Claimed in the file hive; waiting again (counted in `waiting`). */
    offered_again: number;
    /** Task files missing or unreadable: the task was rebuilt from its ledger events. */
    rebuilt_from_ledger: number;
  };
  responses: { count: number; stray: number };
  bots: { count: number; paused: string[] };
  warnings: string[];
}

// The source: a stopped file hive ----------------------------------------------------------

export interface FileHive {
  paths: HivePaths;
  ledger: Database.Database;
  close(): void;
}

/** The file hive at `root`, locked against a server starting on it; refused while one runs. */
export function openFileHive(root: string): FileHive {
  const paths = hivePaths(root);
  if (!existsSync(paths.ledgerFile)) {
    throw usageError(
      `No file hive at ${paths.root}: ${paths.ledgerFile} does not exist.`,
      'Give --from the HIVE_ROOT the file-mode server ran in (the folder that holds .deia/).',
    );
  }
  let lock: HiveLock;
  try {
    lock = lockHive(paths);
  } catch (err) {
    if (HiveError.is(err) && err.code === 'CONFLICT') {
      throw new CliError(
        EXIT.conflict,
        `A Hive Control server is running on the file hive at ${paths.deia} (${lockOwner(paths)}); nothing was imported.`,
        { code: 'HIVE_IN_USE', hint: 'Stop that server first: the import reads a hive nothing else is changing.' },
      );
    }
    throw new CliError(EXIT.serverError, `Cannot lock the file hive at ${paths.deia}: ${(err as Error).message}`);
  }
  try {
    const ledger = new Database(paths.ledgerFile, { readonly: true, fileMustExist: true });
    const table = ledger.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    if (!table) {
      ledger.close();
      throw usageError(`${paths.ledgerFile} has no events table: it is not a hive's ledger.`);
    }
    return {
      paths,
      ledger,
      close() {
        ledger.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    if (err instanceof CliError) throw err;
    throw new CliError(EXIT.serverError, `Cannot read ${paths.ledgerFile}: ${(err as Error).message}`);
  }
}

/** Who holds the hive's lock, as its server wrote it beside the lock (hive-lock.ts). */
function lockOwner(paths: HivePaths): string {
  try {
    const owner = JSON.parse(readFileSync(path.join(paths.deia, 'server.json'), 'utf8')) as Record<string, unknown>;
    return `process ${String(owner.pid)} on ${String(owner.host)}, running since ${String(owner.started_at)}`;
  } catch {
    return 'another process holds its lock';
  }
}

const PAGE = 2000;

/** The ledger's rows in id order, a page at a time. */
function* ledgerRows(ledger: Database.Database): Generator<LedgerRow> {
  const page = ledger.prepare(
    'SELECT id, ts, event_type, task_id, actor, data FROM events WHERE id > ? ORDER BY id LIMIT ?',
  );
  for (let last = 0; ;) {
    const rows = page.all(last, PAGE) as LedgerRow[];
    yield* rows;
    if (rows.length < PAGE) return;
    last = rows[rows.length - 1]!.id;
  }
}

/**
 * Where a task goes, from its delivery state in the file hive. Claims cannot move (a file bee's
 * claim is a file, a database bee's a lease), so a task a bee held and had not answered waits again.
 */
function storeState(row: TaskRow): { state: StoreState; offeredAgain: boolean } {
  switch (row.state) {
    case 'waiting':
      return { state: 'waiting', offeredAgain: false };
    case 'held':
      return { state: 'held', offeredAgain: false };
    case 'completed':
    case 'cancelled':
      return { state: 'done', offeredAgain: false };
    default:
      // claimed, in progress, cancelling, blocked: ended only if it answered.
      return row.completed_at !== null
        ? { state: 'done', offeredAgain: false }
        : { state: 'waiting', offeredAgain: true };
  }
}

const RESTART_HINT =
  'Start the file-mode server on it once (it records at start-up what bees did while it was down), stop it, and import again.';

/** Reads the whole file hive and decides what goes where; changes nothing anywhere. */
export async function planImport(hive: FileHive): Promise<ImportPlan> {
  const { paths, ledger } = hive;
  const warnings: string[] = [];

  // The task list and the bots' pauses, as task_view and bot_view hold them (task-view.ts apply()).
  const rows = new Map<string, TaskRow>();
  const memory = new Database(':memory:');
  const bots = new BotView(memory);
  let events = 0;
  let lastEventId = 0;
  for (const raw of ledgerRows(ledger)) {
    const event = toEvent(raw);
    events++;
    lastEventId = event.id;
    if (!event.task_id) {
      bots.applyHiveEvent(event);
      continue;
    }
    const before = rows.get(event.task_id) ?? null;
    const after = projectTask(before, event);
    if (!after || after === before) continue;
    rows.set(event.task_id, after);
    bots.count(before, after);
  }

  // Task files, found as the server's index finds them (recovery.ts rebuildTaskIndex): a live copy wins.
  const index = new TaskIndex();
  for (const location of ['archive', 'held', 'tasks'] as const) {
    for (const ref of await scanTaskFiles(paths, location)) index.set(ref);
  }
  for (const taskId of index.ids()) {
    if (rows.has(taskId)) continue;
    const ref = index.get(taskId)!;
    warnings.push(
      `${ref.location}/${ref.botId}/${ref.fileName}: a task file the ledger never recorded; not imported. ${RESTART_HINT}`,
    );
  }

  // Responses, as the server indexes them (reactor.ts): regular files, dotfiles never.
  const responses = new ResponseIndex();
  for (const name of await readdir(paths.responses).catch(() => [])) {
    if (name.startsWith('.')) continue;
    const stat = await lstat(path.join(paths.responses, name)).catch(() => null);
    if (stat?.isFile()) responses.upsert(name, stat.mtimeMs);
  }
  let strayResponses = 0;
  for (const name of responses.names()) {
    if (![...candidateTaskIds(name)].some((id) => rows.has(id))) strayResponses++;
  }

  const tasks: PlannedTask[] = [];
  for (const row of [...rows.values()].sort((a, b) => a.seq - b.seq)) {
    const { state, offeredAgain } = storeState(row);
    const ref = index.get(row.task_id);
    let file: string | null = null;
    if (!ref) {
      warnings.push(
        `${row.task_id}: no task file under tasks/, held/ or archive/; its task is rebuilt from its ledger events.`,
      );
    } else {
      file = taskFilePath(paths, ref);
      const read = await readTaskFile(file);
      if (!read.ok) {
        warnings.push(
          `${row.task_id}: its task file ${relativeToRoot(paths, file)} is ${read.reason}; its task is rebuilt from its ledger events.`,
        );
        file = null;
      }
    }
    if (offeredAgain) {
      const holder = row.claimed_by_bee ? `bee ${row.claimed_by_bee}` : (row.claimed_by ?? 'a bee');
      const cancelling =
        row.state === 'cancelling'
          ? ' It was being cancelled: cancel it again once a server runs on the database.'
          : '';
      warnings.push(
        `${row.task_id} was ${row.state.replace('_', ' ')} (${holder}, attempt ${row.attempt}): a claim in the file hive does not carry over; it will be offered to bees again (attempt ${row.attempt + 1}).${cancelling}`,
      );
    }
    const latest = responses.latestFor(row.task_id) ?? null;
    let response: PlannedTask['response'] = null;
    if (latest && state === 'done') response = latest;
    else if (latest) {
      warnings.push(
        `${row.task_id}: response ${latest.name} not imported: the ledger never recorded the task's answer (a bee answered while the server was down?). ${RESTART_HINT}`,
      );
    }
    tasks.push({ row, state, offeredAgain, file, response });
  }

  const botRows = bots.all().map((b) => ({ bot_id: b.bot_id, paused: b.paused === 1 }));
  memory.close();
  return {
    root: paths.root,
    events,
    lastEventId,
    tasks,
    bots: botRows,
    strayResponses,
    warnings,
  };
}

/** The summary of a plan; `apply` corrects it with what the transaction found. */
export function summarize(plan: ImportPlan, dryRun: boolean, steps: readonly Migration[]): ImportSummary {
  const count = (state: StoreState) => plan.tasks.filter((t) => t.state === state).length;
  return {
    dry_run: dryRun,
    schema_steps: steps.map(({ version, name }) => ({ version, name })),
    events: { count: plan.events, last_id: plan.lastEventId },
    tasks: {
      count: plan.tasks.length,
      waiting: count('waiting'),
      held: count('held'),
      done: count('done'),
      offered_again: plan.tasks.filter((t) => t.offeredAgain).length,
      rebuilt_from_ledger: plan.tasks.filter((t) => t.file === null).length,
    },
    responses: { count: plan.tasks.filter((t) => t.response).length, stray: plan.strayResponses },
    bots: { count: plan.bots.length, paused: plan.bots.filter((b) => b.paused).map((b) => b.bot_id) },
    warnings: [...plan.warnings],
  };
}

// The task as bees get it ---------------------------------------------------------------------

type Json = Record<string, unknown>;
const str = (data: Json, key: string): string | undefined => (typeof data[key] === 'string' ? data[key] : undefined);

/** A task whose file is gone, from the events its dispatch recorded (dispatch-events.ts). */
function taskFromLedger(ledger: Database.Database, row: TaskRow): Json {
  const events = (
    ledger
      .prepare(
        "SELECT id, ts, event_type, task_id, actor, data FROM events WHERE task_id = ? AND event_type IN ('task_execution_started', 'task_routed') ORDER BY id",
      )
      .all(row.task_id) as LedgerRow[]
  ).map(toEvent);
  const started = events.find((e) => e.event_type === 'task_execution_started');
  const routed = events.find((e) => e.event_type === 'task_routed');
  const s = started?.data ?? {};
  const r = routed?.data ?? {};
  const kb = Array.isArray(s.kb_entities) ? s.kb_entities.filter((k): k is string => typeof k === 'string') : [];
  const retriedFrom = str(s, 'retried_from');
  return {
    task_id: row.task_id,
    bot_id: row.bot_id,
    intent: str(s, 'intent') ?? row.intent,
    title: str(s, 'title') ?? row.title,
    summary: str(s, 'summary') ?? '',
    kb_entities: kb,
    status: row.status,
    lane: str(r, 'lane') ?? row.lane,
    provider: str(r, 'provider') ?? row.provider,
    delivery_mode: str(r, 'delivery') ?? row.delivery_mode,
    created_at: started?.ts ?? row.created_at,
    started_at: started?.ts ?? row.created_at,
    routing: {
      rule: str(r, 'rule') ?? (row.rule || 'unknown'),
      source: str(r, 'source') ?? (row.routing_source || 'unknown'),
    },
    ...(retriedFrom
      ? { retried_from: retriedFrom, ...(typeof s.attempt === 'number' ? { attempt: s.attempt } : {}) }
      : {}),
  };
}

/**
 * The task's JSON as the database keeps it: its file (or its events), for the bot it is with
 * now, and with the status a store row in its state has (pg-task-rows.ts: a task let go is
 * `active` again, a cancelled one `cancelled`).
 */
async function taskJson(hive: FileHive, task: PlannedTask): Promise<{ json: Json; rebuilt: boolean }> {
  let json: Json | null = null;
  if (task.file) {
    const read = await readTaskFile(task.file);
    if (read.ok) json = { ...read.task };
  }
  const rebuilt = json === null;
  json ??= taskFromLedger(hive.ledger, task.row);
  json.bot_id = task.row.bot_id;
  if (task.offeredAgain) json.status = 'active';
  if (task.row.state === 'cancelled') json.status = 'cancelled';
  return { json, rebuilt };
}

// The destination: one transaction -------------------------------------------------------------

/** How much the database already holds (zero for a database with no schema yet). */
export async function existingHive(db: pg.PoolClient): Promise<{ events: number; tasks: number }> {
  const { rows } = await db.query<{ events: string | null; tasks: string | null }>(
    `SELECT CASE WHEN to_regclass('events') IS NULL THEN NULL ELSE 1 END AS events,
            CASE WHEN to_regclass('tasks') IS NULL THEN NULL ELSE 1 END AS tasks`,
  );
  const count = async (table: 'events' | 'tasks', present: unknown) =>
    present === null ? 0 : Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return { events: await count('events', rows[0]!.events), tasks: await count('tasks', rows[0]!.tasks) };
}

export function refuseNonEmpty(found: { events: number; tasks: number }, where: string): void {
  if (found.events === 0 && found.tasks === 0) return;
  throw new CliError(
    EXIT.conflict,
    `The database at ${where} already holds a hive (${found.events} events, ${found.tasks} tasks): import fills only an empty one and overwrites nothing. Nothing was changed.`,
    {
      code: 'NOT_EMPTY',
      hint: 'Import into a new, empty database (CREATE DATABASE …) and point HIVE_DATABASE_URL at it.',
    },
  );
}

/** A batch goes to the database when it holds this many rows, or this many bytes of text. */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;

class Batch<T> {
  private items: T[] = [];
  private bytes = 0;

  constructor(private readonly flushTo: (items: T[]) => Promise<void>) {}

  async add(item: T, bytes: number): Promise<void> {
    this.items.push(item);
    this.bytes += bytes;
    if (this.items.length >= BATCH_ROWS || this.bytes >= BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    await this.flushTo(items);
  }
}

const column = <T, K extends keyof T>(items: readonly T[], key: K): T[K][] => items.map((i) => i[key]);

/**
 * Imports the plan in one transaction on `tx` (BEGIN and COMMIT are the caller's): schema
 * steps, a refusal if the database holds anything, then events, bots, tasks and responses.
 */
export async function applyImport(
  tx: pg.PoolClient,
  hive: FileHive,
  plan: ImportPlan,
  where: string,
): Promise<ImportSummary> {
  const steps = await migrateWithin(tx);
  // Nobody else writes while the hive comes in: a server on this database waits for the commit.
  await tx.query('LOCK TABLE events, tasks, responses, bots IN SHARE ROW EXCLUSIVE MODE');
  refuseNonEmpty(await existingHive(tx), where);
  const summary = summarize(plan, false, steps);

  // Every event with its own id, its JSON text as it was written.
  type Ev = Omit<LedgerRow, 'id'> & { id: string };
  let copied = 0;
  const events = new Batch<Ev>(async (batch) => {
    await tx.query(
      `INSERT INTO events (id, ts, event_type, task_id, actor, data)
       SELECT id, ts, event_type, task_id, actor, data::json
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS u(id, ts, event_type, task_id, actor, data)`,
      [
        column(batch, 'id'),
        column(batch, 'ts'),
        column(batch, 'event_type'),
        column(batch, 'task_id'),
        column(batch, 'actor'),
        column(batch, 'data'),
      ],
    );
    copied += batch.length;
  });
  let lastId = 0;
  for (const row of ledgerRows(hive.ledger)) {
    lastId = row.id;
    await events.add({ ...row, id: String(row.id) }, row.data.length + row.ts.length + 64);
  }
  await events.flush();
  // The next append takes the id after the last one imported.
  if (lastId > 0) await tx.query("SELECT setval('hive_event_ids', $1)", [lastId]);
  summary.events = { count: copied, last_id: lastId };

  if (plan.bots.length) {
    await tx.query(
      `INSERT INTO bots (bot_id, paused) SELECT * FROM unnest($1::text[], $2::boolean[])
       ON CONFLICT (bot_id) DO UPDATE SET paused = excluded.paused`,
      [column(plan.bots, 'bot_id'), column(plan.bots, 'paused')],
    );
  }

  // Tasks in dispatch order (seq is the order bees are offered them), each with its answer.
  interface TaskIn {
    task_id: string;
    bot_id: string;
    task: string;
    status: string;
    state: StoreState;
    attempt: number;
    answer_hash: string | null;
    created_at: string;
    response: { name: string; content: string; hash: string; mtimeMs: number; attempt: number } | null;
  }
  let rebuilt = 0;
  let answered = 0;
  const tasks = new Batch<TaskIn>(async (batch) => {
    await tx.query(
      `INSERT INTO tasks (task_id, bot_id, task, status, state, attempt, answer_hash, created_at)
       SELECT task_id, bot_id, task::json, status, state, attempt, answer_hash, created_at::timestamptz
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[])
         WITH ORDINALITY AS u(task_id, bot_id, task, status, state, attempt, answer_hash, created_at, n)
       ORDER BY n`,
      [
        column(batch, 'task_id'),
        column(batch, 'bot_id'),
        column(batch, 'task'),
        column(batch, 'status'),
        column(batch, 'state'),
        column(batch, 'attempt'),
        column(batch, 'answer_hash'),
        column(batch, 'created_at'),
      ],
    );
    const answers = batch.flatMap((t) => (t.response ? [{ task_id: t.task_id, ...t.response }] : []));
    if (answers.length) {
      await tx.query(
        `INSERT INTO responses (task_id, attempt, name, content, content_hash, created_at)
         SELECT task_id, attempt, name, content, content_hash, to_timestamp(mtime_ms / 1000.0)
         FROM unnest($1::text[], $2::int[], $3::text[], $4::bytea[], $5::text[], $6::float8[])
           AS u(task_id, attempt, name, content, content_hash, mtime_ms)`,
        [
          column(answers, 'task_id'),
          column(answers, 'attempt'),
          column(answers, 'name'),
          answers.map((a) => Buffer.from(a.content, 'utf8')),
          column(answers, 'hash'),
          column(answers, 'mtimeMs'),
        ],
      );
      answered += answers.length;
    }
  });
  for (const task of plan.tasks) {
    const { json, rebuilt: fromLedger } = await taskJson(hive, task);
    if (fromLedger) rebuilt++;
    let response: TaskIn['response'] = null;
    if (task.response) {
      const content = await readFile(path.join(hive.paths.responses, task.response.name), 'utf8').catch(() => null);
      if (content === null) {
        summary.warnings.push(`${task.row.task_id}: response ${task.response.name} vanished; not imported.`);
      } else {
        const hash = createHash('sha256').update(content).digest('hex');
        response = { ...task.response, content, hash, attempt: Math.max(1, task.row.attempt) };
      }
    }
    const text = JSON.stringify(json);
    await tasks.add(
      {
        task_id: task.row.task_id,
        bot_id: task.row.bot_id,
        task: text,
        status: String(json.status),
        state: task.state,
        attempt: task.row.attempt,
        answer_hash: task.state === 'done' ? (response?.hash ?? null) : null,
        created_at: task.row.created_at,
        response,
      },
      text.length + (response?.content.length ?? 0),
    );
  }
  await tasks.flush();
  summary.tasks.rebuilt_from_ledger = rebuilt;
  summary.responses.count = answered;

  // Servers already running on this database hear of the events at once, not at their next poll.
  if (lastId > 0) await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(lastId)]);
  return summary;
}
