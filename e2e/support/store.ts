/**
 * Which store the e2e servers run on: 'files' (files + SQLite under HIVE_ROOT, the default) or
 * 'postgres' (HIVE_DATABASE_URL, a database of its own from scripts/lib/postgres.ts). The
 * Playwright projects pick it (`use: { store }`, see playwright.config.ts); specs that start
 * servers of their own start them through `StoreServers` so they follow the project's store.
 */
import { createTestDatabase } from '../../scripts/lib/postgres';
import { startServer, tempHiveRoot, type ServerProcess, type StartOptions } from '../../scripts/lib/server-process';

export type Store = 'files' | 'postgres';

/** A server on a store; on Postgres it carries its database's URL, so a test can read what it stored around it. */
export interface StoreServer extends ServerProcess {
  databaseUrl?: string;
}

interface Database {
  url: string;
  drop(): Promise<void>;
}

/**
 * Starts servers on one store and cleans up after them. On Postgres every new hive root gets a
 * database of its own; a server started again on the same root (a restart) gets the same one,
 * so a restart sees what the server before it wrote, as it does on files. `dispose()` stops
 * whatever is still running and then drops the databases.
 */
export class StoreServers {
  private readonly databases = new Map<string, Promise<Database>>();
  private readonly started: ServerProcess[] = [];

  constructor(
    readonly store: Store,
    private readonly label = 'e2e',
  ) {}

  /** `startServer` (scripts/lib/server-process.ts), on this store. */
  async start(options: StartOptions = {}): Promise<StoreServer> {
    if (this.store === 'files') return this.track(await startServer(options));
    const root = options.root ?? (await tempHiveRoot());
    const url = await this.databaseUrl(root);
    const server = await startServer({ ...options, root, env: { HIVE_DATABASE_URL: url, ...options.env } });
    return this.track(Object.assign(server, { databaseUrl: url }));
  }

  /** The database of the hive at `root` (made on first use). Postgres only. */
  databaseUrl(root: string): Promise<string> {
    if (this.store !== 'postgres') throw new Error('databaseUrl: only the postgres store has a database');
    let db = this.databases.get(root);
    if (!db) {
      db = createTestDatabase(this.label);
      this.databases.set(root, db);
    }
    return db.then((d) => d.url);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.started.map((s) => s.stop()));
    const dbs = [...this.databases.values()];
    this.databases.clear();
    await Promise.all(dbs.map(async (db) => (await db.catch(() => null))?.drop()));
  }

  private track(server: StoreServer): StoreServer {
    this.started.push(server);
    return server;
  }
}

/** Ids of the hive's task files differ from Postgres locators; this is what a task_path looks like on `store`. */
export function taskPathPattern(store: Store, botId: string, taskId: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return store === 'postgres'
    ? new RegExp(`^postgres:tasks/${esc(taskId)}$`)
    : new RegExp(`^\\.deia/hive/tasks/${esc(botId)}/\\d{8}T\\d{9}Z-${esc(taskId)}\\.json$`);
}

/** Where a bee's answer is said to be: its response file on files; a locator on Postgres (always `{bot}-RESPONSE-{task}.md`). */
export function responsePath(store: Store, botId: string, taskId: string, file?: string): string {
  return store === 'postgres'
    ? `postgres:responses/${botId}-RESPONSE-${taskId}.md`
    : `.deia/hive/responses/${file ?? `${botId}-RESPONSE-${taskId}.md`}`;
}
