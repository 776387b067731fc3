/** Playwright fixtures: a real production server per worker, on its own temporary hive. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { test as base } from '@playwright/test';
import { startServer, type ServerProcess } from '../../scripts/lib/server-process';

export const test = base.extend<object, { server: ServerProcess }>({
  server: [
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
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
