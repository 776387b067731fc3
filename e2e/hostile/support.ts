/** Helpers for the hostile specs: a sandboxed hive with things outside it, raw HTTP, tree snapshots, process memory. */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, StoreServers, test as base, type Store } from '../support/fixtures';
import type { ServerProcess } from '../../scripts/lib/server-process';

/**
 * `dir/` holds the hive's root and a neighbour the server has no business touching:
 *
 *     dir/root/            HIVE_ROOT (the server writes only in root/.deia/)
 *     dir/outside/         a folder beside the root, with a secret in it
 */
export interface Sandbox {
  dir: string;
  root: string;
  outside: string;
  /** A file outside the root whose content must never appear in a reply. */
  secretFile: string;
  /** A task-shaped JSON file outside the root, carrying the same secret in its summary. */
  secretTaskFile: string;
  secret: string;
}

export interface HostileHive {
  server: ServerProcess;
  sandbox: Sandbox;
  /** What holds the hive: files under the sandbox's root, or a database of its own. */
  store: Store;
  /** Stops the server and removes the sandbox. */
  dispose(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hive-hostile-'));
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  await mkdir(root);
  await mkdir(outside);
  const secret = `SECRET-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}`;
  const secretFile = path.join(outside, 'secret.txt');
  const secretTaskFile = path.join(outside, 'secret-task.json');
  await writeFile(secretFile, `${secret}\n`);
  await writeFile(
    secretTaskFile,
    JSON.stringify({
      task_id: 'SECRET-TASK',
      bot_id: 'BEE-001',
      intent: 'code',
      title: secret,
      summary: secret,
      kb_entities: [],
      status: secret,
      lane: 'terminal',
      provider: 'cli',
      delivery_mode: 'task_file',
      created_at: '2026-01-01T00:00:00.000Z',
      started_at: '2026-01-01T00:00:00.000Z',
    }),
  );
  return { dir, root, outside, secretFile, secretTaskFile, secret };
}

/** A production server on its own sandboxed hive (`startServer` from scripts/lib), on `store` (a database of its own on Postgres). */
export async function startHostileHive(env: Record<string, string> = {}, store: Store = 'files'): Promise<HostileHive> {
  const sandbox = await makeSandbox();
  const servers = new StoreServers(store, 'hostile');
  const dispose = async () => {
    await servers.dispose();
    await rm(sandbox.dir, { recursive: true, force: true });
  };
  const server = await servers.start({ root: sandbox.root, env }).catch(async (err: unknown) => {
    await dispose();
    throw err;
  });
  return { server, sandbox, store, dispose };
}

/** The shared fixtures plus `hive`: one sandboxed server per worker (the fallback re-scan every 200 ms). */
export const test = base.extend<object, { hive: HostileHive }>({
  hive: [
    async ({ store }, use) => {
      const hive = await startHostileHive({ HIVE_POLL_MS: '200' }, store);
      await use(hive);
      await hive.dispose();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect };

// ---------------------------------------------------------------------------------------------
// Requests

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given: no normalisation, no re-encoding. */
  path: string;
  headers?: OutgoingHttpHeaders;
  /** One buffer, or several chunks (sent chunked when no content-length is given). */
  body?: string | Buffer | (string | Buffer)[];
  timeoutMs?: number;
}

export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * One request over node:http on a fresh connection, so nothing is normalised on the way.
 * Rejects when the server does not answer within the timeout ("never a hang").
 */
export function send(server: ServerProcess, req: RawRequest): Promise<Reply> {
  const timeoutMs = req.timeoutMs ?? REQUEST_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: req.method ?? 'GET',
        path: req.path,
        headers: req.headers,
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(
      () =>
        outgoing.destroy(
          new Error(`no answer within ${timeoutMs} ms: ${req.method ?? 'GET'} ${req.path.slice(0, 200)}`),
        ),
      timeoutMs,
    );
    outgoing.on('error', (err) => {
      // A server may answer (e.g. 413) and close while the body is still being sent.
      if (answered) return;
      clearTimeout(timer);
      reject(err);
    });
    const body = req.body;
    if (Array.isArray(body)) for (const chunk of body) outgoing.write(chunk);
    else if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}

/** Bytes straight onto a socket, for framing node:http would refuse to send; the reply until the server closes. */
export function sendBytes(
  server: ServerProcess,
  bytes: Buffer | string,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseRawReply(Buffer.concat(chunks)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    // A reset after the reply (e.g. 431 while we were still writing) still leaves the reply readable.
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

/**
 * A client that sends its whole request, in parts with a pause between them, before it
 * looks at any reply (as many HTTP clients do). If the server closes the connection while
 * the body is still on its way, this client never sees the answer: that rejects.
 */
export async function sendAllThenRead(
  server: ServerProcess,
  parts: (Buffer | string)[],
  pauseMs: number,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Reply> {
  const socket = net.connect(server.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  try {
    for (const [i, part] of parts.entries()) {
      if (i > 0) await sleep(pauseMs);
      await new Promise<void>((resolve, reject) => socket.write(part, (err) => (err ? reject(err) : resolve())));
    }
  } catch (err) {
    socket.destroy();
    throw new Error(`the server closed the connection while the body was still being sent (${(err as Error).message})`);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([closed, timedOut]);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
  return parseRawReply(Buffer.concat(chunks));
}

function parseRawReply(raw: Buffer): Reply {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`no complete reply: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine = '', ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers: IncomingHttpHeaders = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body: Buffer = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, text: body.toString('utf8') };
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** `?input=` for a tRPC query: the JSON of the input, percent-encoded. */
export function trpcInput(input: unknown): string {
  return `?input=${encodeURIComponent(JSON.stringify(input))}`;
}

/** Percent-encodes the UTF-8 bytes of `text` (lone surrogates become U+FFFD, as any client would send). */
export function percentEncode(text: string, everything = false): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += !everything && /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Node's HTTP parser refuses malformed framing before any app code runs: a bare 400 (or 431) and a closed connection. */
export function refusedByHttpParser(reply: Reply): boolean {
  return (reply.status === 400 || reply.status === 431) && reply.text === '' && reply.headers.connection === 'close';
}

/**
 * A clean answer: 2xx or 4xx (never 5xx, never a redirect), declared and parseable as JSON,
 * and for an error a message a person can act on. Returns the parsed body.
 */
export function expectCleanJson(reply: Reply, what: string): Record<string, any> {
  const context = `${what} → ${reply.status} ${reply.text.slice(0, 300)}`;
  expect((reply.status >= 200 && reply.status < 300) || (reply.status >= 400 && reply.status < 500), context).toBe(
    true,
  );
  expect(String(reply.headers['content-type']), context).toMatch(/^application\/json/);
  let body: unknown;
  expect(() => (body = JSON.parse(reply.text)), context).not.toThrow();
  expect(typeof body === 'object' && body !== null, context).toBe(true);
  const json = body as Record<string, any>;
  if (reply.status >= 400) {
    const error = json.error as Record<string, any> | undefined;
    // REST: {status: "error", error: {code, message}} (or status's {status: "not_found"}); tRPC: {error: {message, data}}.
    if (json.status !== 'not_found') {
      expect(typeof error?.message, context).toBe('string');
      expect(error?.message, context).not.toMatch(/\n\s+at /); // no stack traces
      expect(error?.data?.stack, context).toBeUndefined();
    }
  }
  return json;
}

// ---------------------------------------------------------------------------------------------
// The file system

export interface Entry {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What `file` is (without following a symlink), or null if there is nothing there. */
export async function entryOf(file: string): Promise<Entry | null> {
  const stat = await lstat(file).catch(() => null);
  if (!stat) return null;
  const kind = stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
  return { kind, size: kind === 'dir' ? 0 : stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
}

/** Every entry under `dir` (symlinks are listed, never followed), keyed by its path relative to `dir`. */
export async function walk(dir: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, Entry>> {
  const kinds = await listTree(dir, skip);
  const entries = await Promise.all(
    [...kinds.keys()].map(async (rel) => [rel, await entryOf(path.join(dir, rel))] as const),
  );
  return new Map(
    entries.filter((e): e is readonly [string, Entry] => e[1] !== null).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** What kind each entry under `dir` is, from the directory listings alone (cheap enough to run after every request). */
export async function listTree(
  dir: string,
  skip: (rel: string) => boolean = () => false,
): Promise<Map<string, Entry['kind']>> {
  const kinds = new Map<string, Entry['kind']>();
  const visit = async (rel: string): Promise<void> => {
    const dirents = await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    await Promise.all(
      dirents.map(async (dirent) => {
        const childRel = rel ? `${rel}/${dirent.name}` : dirent.name;
        if (skip(childRel)) return;
        const kind = dirent.isSymbolicLink()
          ? 'symlink'
          : dirent.isDirectory()
            ? 'dir'
            : dirent.isFile()
              ? 'file'
              : 'other';
        kinds.set(childRel, kind);
        if (kind === 'dir') await visit(childRel);
      }),
    );
  };
  await visit('');
  return kinds;
}

/** The sandbox as seen from outside the hive: everything except `root/.deia/`. */
export function walkOutsideDeia(sandbox: Sandbox): Promise<Map<string, Entry>> {
  return walk(sandbox.dir, (rel) => rel === 'root/.deia');
}

export async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Resident memory of a process in MiB, from /proc/<pid>/status. */
/**
 * Bytes a process has read with read(2)/pread(2) so far (`rchar` in /proc/{pid}/io): from
 * files and sockets alike, whether or not they came from the page cache. Unlike memory, it
 * does not depend on when the garbage collector runs.
 */
export async function bytesReadBy(pid: number): Promise<number> {
  const rchar = /^rchar:\s+(\d+)$/m.exec(await readFile(`/proc/${pid}/io`, 'utf8'))?.[1];
  if (rchar === undefined) throw new Error(`no rchar for process ${pid}`);
  return Number(rchar);
}

/**
 * Resolves once the server has finished `count` more fallback re-scans of the hive: after
 * that, whatever a re-scan could have noticed (and logged) has been noticed.
 */
export async function rescansPass(hive: HostileHive, count = 3): Promise<void> {
  const rescans = async () => {
    const reply = await send(hive.server, { path: '/api/health' });
    return (JSON.parse(reply.text) as { rescans: number }).rescans;
  };
  const target = (await rescans()) + count;
  await eventually(async () => (await rescans()) >= target, 15_000, `${count} more re-scans`);
}

export function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
