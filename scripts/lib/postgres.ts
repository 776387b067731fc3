/**
 * A real PostgreSQL for tests: the server at HIVE_TEST_DATABASE_URL when that is set, else a throwaway
 * cluster this machine initialises once and keeps running across test runs (a cold start costs seconds,
 * a fresh database milliseconds), with a database of its own for each test.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './server-process';

// initdb, pg_ctl and postgres refuse to run as root, so as root they run as the postgres OS user.
const asRoot = process.getuid?.() === 0;

function clusterDirs() {
  // Per uid: a cluster another user started is not ours to restart or reinitialise.
  const base = path.resolve(process.env.HIVE_TEST_PG_DIR ?? `/tmp/hive-pg-${process.getuid?.() ?? 'user'}`);
  const file = (name: string) => path.join(base, name);
  return { base, data: file('data'), port: file('port'), log: file('postgres.log'), lock: file('lock') };
}

/** Debian keeps the server programs off PATH, in one folder per major version: the newest wins. */
function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', name))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? path.join(root, newest, 'bin', name) : name;
}

async function run(program: string, args: string[], cwd: string, allowFailure = false): Promise<number> {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    // cwd: the postgres user may not be allowed into ours, and the programs complain when they cannot read it.
    const child = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (e) => reject(new Error(`cannot run ${program} (is PostgreSQL installed?): ${e.message}`)));
    child.once('close', (c) => resolve({ code: c ?? -1, output }));
  });
  if (code !== 0 && !allowFailure) throw new Error(`${program} ${args.join(' ')} exited with ${code}:\n${output}`);
  return code;
}

/**
 * Holds flock(1) on `file` while `work` runs. Vitest and Playwright workers are separate processes; the kernel
 * drops the lock when its holder dies (cat sees EOF on stdin), so a killed worker never leaves a stale lock.
 */
async function withLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const holder = spawn('flock', ['-w', '300', file, 'sh', '-c', 'echo locked; exec cat >/dev/null']);
  const closed = new Promise((resolve) => holder.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`could not lock ${file} (flock exited with ${code})`)));
  });
  try {
    return await work();
  } finally {
    holder.stdin.end();
    await closed;
  }
}

const adminUrlFor = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

async function readPort(file: string): Promise<number | null> {
  const port = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(port) && port > 0 ? port : null;
}

/** True when our cluster (not just any server that took the port after a reboot) answers on `port`. */
async function answers(port: number, data: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrlFor(port), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0]?.data_directory === data;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensurePostgres(): Promise<{ adminUrl: string }> {
  if (process.env.HIVE_TEST_DATABASE_URL) return { adminUrl: process.env.HIVE_TEST_DATABASE_URL };
  const dirs = clusterDirs();
  const known = await readPort(dirs.port);
  if (known && (await answers(known, dirs.data))) return { adminUrl: adminUrlFor(known) };

  // Made by the user the server runs as, who writes its socket, log and data here.
  await run('mkdir', ['-p', '-m', '700', dirs.base], '/');
  return withLock(dirs.lock, async () => {
    // Whoever held the lock before us has probably just started it.
    const recorded = await readPort(dirs.port);
    if (recorded && (await answers(recorded, dirs.data))) return { adminUrl: adminUrlFor(recorded) };

    const pgCtl = pgBin('pg_ctl');
    // Running yet not answering on the recorded port (port file lost, hung): restart it rather than fight it.
    if ((await run(pgCtl, ['status', '-D', dirs.data], dirs.base, true)) === 0) {
      await run(pgCtl, ['stop', '-D', dirs.data, '-m', 'fast', '-w'], dirs.base);
    }
    await initIfNeeded(dirs.base, dirs.data);

    // A new port each start: the recorded one may have been taken while the cluster was down.
    const port = await freePort();
    const options = `-p ${port} -k '${dirs.base}' -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300`;
    await run(pgCtl, ['start', '-D', dirs.data, '-l', dirs.log, '-w', '-t', '120', '-o', options], dirs.base);
    // Written whole and only once the server is up, so a reader without the lock never sees a half-made port.
    await writeFile(`${dirs.port}.tmp`, `${port}\n`);
    await rename(`${dirs.port}.tmp`, dirs.port);
    return { adminUrl: adminUrlFor(port) };
  });
}

/** Initialises beside the data folder and renames it into place, so a killed initdb leaves nothing half-made. */
async function initIfNeeded(base: string, data: string): Promise<void> {
  const initdb = pgBin('initdb');
  const existing = await readFile(path.join(data, 'PG_VERSION'), 'utf8').catch(() => '');
  const { stdout } = await promisify(execFile)(initdb, ['--version']);
  const version = /\(PostgreSQL\) (\d+)/.exec(stdout)?.[1];
  // A data folder from another major version (PostgreSQL upgraded since) cannot be started by this one.
  if (existing.trim() === version) return;
  const fresh = `${data}.initdb`;
  await rm(fresh, { recursive: true, force: true });
  await run(initdb, ['-D', fresh, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'], base);
  await rm(data, { recursive: true, force: true });
  await rename(fresh, data);
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(label = 'db'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const { adminUrl } = await ensurePostgres();
  // Quoted identifiers are still cut at 63 bytes; this keeps the random part inside that.
  const words = label.toLowerCase().match(/[a-z0-9]+/g) ?? ['db'];
  const name = `hive_test_${words.join('_').slice(0, 32)}_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    // FORCE (PostgreSQL 13+) terminates the connections a test left open, which would otherwise block the drop;
    // a pg Client among them emits 'error', so give it a listener.
    drop: () => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}
