/**
 * Playwright fixtures: a real production server per worker, on its own temporary hive, on the
 * project's store (`store`: files + SQLite, or PostgreSQL with a database of its own).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { test as base } from '@playwright/test';
import type { ServerProcess } from '../../scripts/lib/server-process';
import { StoreServers, type Store, type StoreServer } from './store';

export type { Store, StoreServer } from './store';
export { StoreServers } from './store';

export interface HiveTestFixtures {
  /** Servers of the test's own on the project's store (`servers.start(options)`), stopped and dropped after it. */
  servers: StoreServers;
}

export interface HiveWorkerFixtures {
  /** The store the servers run on (a project option; default 'files'). */
  store: Store;
  server: StoreServer;
}

export const test = base.extend<HiveTestFixtures, HiveWorkerFixtures>({
  store: ['files', { scope: 'worker', option: true }],
  server: [
    async ({ store }, use, workerInfo) => {
      const servers = new StoreServers(store, `worker ${workerInfo.workerIndex}`);
      try {
        await use(await servers.start());
      } finally {
        await servers.dispose();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  servers: async ({ store }, use, testInfo) => {
    const servers = new StoreServers(store, testInfo.title);
    try {
      await use(servers);
    } finally {
      await servers.dispose();
    }
  },
});

export { expect } from '@playwright/test';

/** POSTs JSON to the run endpoint, as curl would. */
export async function dispatch(server: ServerProcess, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/tasks/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** POSTs a JSON body to any API path (an action), as curl would. */
export async function post(server: ServerProcess, apiPath: string, body: unknown = {}) {
  const res = await fetch(`${server.url}${apiPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

export async function status(server: ServerProcess, taskId: string) {
  const res = await fetch(`${server.url}/api/tasks/status/${taskId}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** A bee's response, written by the test process (not the app): whole in tmp/, then renamed in. */
export { writeResponse } from '../../scripts/lib/hive-files';

/** Every file under the hive with its size and mtime: a snapshot to prove nothing changed. */
export async function snapshotHive(root: string): Promise<string[]> {
  const { stat } = await import('node:fs/promises');
  const dir = path.join(root, '.deia');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('ledger.db'));
  const lines = await Promise.all(
    files.map(async (e) => {
      const full = path.join(e.parentPath, e.name);
      const s = await stat(full);
      return `${path.relative(root, full)} ${s.size} ${s.mtimeMs}`;
    }),
  );
  return lines.sort();
}

/**
 * What a request could have changed, on either store: how many tasks the hive holds
 * (tasks.count) and its last ledger id (`/api/health`), and on the file store also every
 * file of the hive. (Not health's task count: on Postgres it is re-counted every few seconds.)
 */
export async function snapshotState(server: ServerProcess, store: Store): Promise<unknown> {
  const health = (await (await fetch(`${server.url}/api/health`)).json()) as { ledger_last_id: number };
  const count = await fetch(`${server.url}/api/trpc/tasks.count?input=${encodeURIComponent('{}')}`);
  const tasks = ((await count.json()) as { result: { data: number } }).result.data;
  const state = { tasks, ledger_last_id: health.ledger_last_id };
  return store === 'files' ? { ...state, files: await snapshotHive(server.root) } : state;
}
