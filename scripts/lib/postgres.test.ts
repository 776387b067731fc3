import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, type Notification } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, ensurePostgres } from './postgres';

const TSX = path.resolve(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');

/** Connections opened by a test, closed after it whatever happened. */
const open: Client[] = [];
async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  // drop() and stopping a cluster end the connections still open on it; pg reports that as an 'error'
  // event, which with no listener would be an uncaught exception.
  client.on('error', () => undefined);
  open.push(client);
  await client.connect();
  return client;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});

describe('postgres test harness', () => {
  it('ensurePostgres called twice at once gives one server that answers', async () => {
    const [a, b] = await Promise.all([ensurePostgres(), ensurePostgres()]);
    expect(a.adminUrl).toBe(b.adminUrl);
    const { rows } = await (await connect(a.adminUrl)).query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  }, 120_000);

  it.skipIf(!!process.env.HIVE_TEST_DATABASE_URL)(
    'a cold start raced by several processes initialises and starts exactly one cluster',
    async () => {
      // A cluster of its own, so the race really starts cold and the machine's shared cluster is left alone.
      // Directly under /tmp: as root the server runs as the postgres user, who must be able to reach it.
      const dir = `/tmp/hive-pg-test-${randomBytes(4).toString('hex')}`;
      const env = { ...process.env, HIVE_TEST_PG_DIR: dir };
      const script = `require(${JSON.stringify(path.join(__dirname, 'postgres.ts'))}).ensurePostgres().then((r) => console.log(r.adminUrl))`;
      try {
        const runs = await Promise.all(
          [1, 2, 3, 4].map(() => promisify(execFile)(TSX, ['-e', script], { env, timeout: 110_000 })),
        );
        const urls = new Set(runs.map((r) => r.stdout.trim()));
        expect(urls.size).toBe(1);
        const [url] = [...urls];
        expect((await (await connect(url!)).query('SELECT 1')).rowCount).toBe(1);
        const log = await readFile(path.join(dir, 'postgres.log'), 'utf8');
        expect(log.match(/database system is ready to accept connections/g)).toHaveLength(1);
      } finally {
        await stopCluster(path.join(dir, 'data'));
        await rm(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it('gives each test a database of its own, which drop removes', async () => {
    const [one, two] = await Promise.all([createTestDatabase('isolation'), createTestDatabase('isolation')]);
    try {
      expect(one.name).not.toBe(two.name);
      expect(new URL(one.url).pathname).toBe(`/${one.name}`);
      const first = await connect(one.url);
      await first.query('CREATE TABLE hive_probe (id int PRIMARY KEY)');
      await first.query('INSERT INTO hive_probe VALUES (1)');
      expect((await first.query('SELECT id FROM hive_probe')).rows).toEqual([{ id: 1 }]);
      const second = await connect(two.url);
      const { rows } = await second.query("SELECT to_regclass('hive_probe') AS t");
      expect(rows).toEqual([{ t: null }]);

      // Left open on purpose: drop must not be blocked by a connection the test forgot.
      await one.drop();
      const admin = await connect((await ensurePostgres()).adminUrl);
      const exists = (name: string) =>
        admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]).then((r) => r.rowCount === 1);
      expect(await exists(one.name)).toBe(false);
      expect(await exists(two.name)).toBe(true);
    } finally {
      await Promise.all([one.drop(), two.drop()]);
    }
  }, 60_000);

  it('delivers a NOTIFY on one connection to a LISTEN on another', async () => {
    const db = await createTestDatabase('notify');
    try {
      const listener = await connect(db.url);
      const notifier = await connect(db.url);
      const received = new Promise<Notification>((resolve) => listener.on('notification', resolve));
      await listener.query('LISTEN hive_events');
      await notifier.query("SELECT pg_notify('hive_events', $1)", ['{"task":"t-1"}']);
      const note = await Promise.race([
        received,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no notification within 5 s')), 5000)),
      ]);
      const { rows } = await notifier.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(note).toMatchObject({ channel: 'hive_events', payload: '{"task":"t-1"}', processId: rows[0]!.pid });
    } finally {
      await db.drop();
    }
  }, 60_000);
});

/** Fast shutdown of a cluster by signal to its postmaster, then waits until it is gone. */
async function stopCluster(data: string): Promise<void> {
  const pid = Number((await readFile(path.join(data, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(pid, 'SIGINT');
  for (const deadline = Date.now() + 30_000; alive() && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 50));
  }
}
