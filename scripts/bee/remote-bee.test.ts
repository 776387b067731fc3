/**
 * The bee over HTTP against the real server (the production build, with 3-second leases so
 * renewals happen within a test): it answers from a folder of its own that it leaves empty,
 * answers `blocked` when its command fails, outlives its lease by renewing it, stops the whole
 * command on a cancel or a lost lease, gives the task back on a second stop, works through
 * the next server when the first of several refuses connections, waits for a server that
 * is not up yet, and ends with the server's message when its token is refused.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, killRecorded, recordedPids } from '../../e2e/support/pids';
import { addBeeToken, beeTokensFile } from '../../server/core/bee-tokens';
import { eventually } from '../../server/testing/temp-hive';
import { freePort, tempHiveRoot } from '../lib/server-process';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from '../lib/test-server';
import { builtinHandler, execHandler, type Handler } from './handlers';
import { HiveClient } from './hive-client';
import { RemoteBee, type RemoteBeeOptions } from './remote-bee';

const run = promisify(execFile);
const BEE_ENTRY = path.resolve(import.meta.dirname, '..', 'bee.ts');
/** tsx by its path, so the bee can run from a folder that has no node_modules. */
const TSX = pathToFileURL(
  path.resolve(import.meta.dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs'),
).href;

let server: TestServer;
let beeToken: string;
let dir: string;
const bees: RemoteBee[] = [];
let lines: string[] = [];

beforeAll(async () => {
  const root = await tempHiveRoot('remote-bee-');
  beeToken = await addBeeToken(beeTokensFile(root), 'gpu-box', ['BEE-TOKEN']);
  // A small body limit, so a test command can print more than the server takes.
  server = await startTestServer({ root, env: { HIVE_LEASE_SECONDS: '3', HIVE_MAX_BODY_BYTES: '65536' } });
}, 60_000);
afterAll(() => server?.close());
afterEach(async () => {
  await Promise.all(bees.splice(0).map((bee) => bee.stopNow()));
  if (dir) await killRecorded(path.join(dir, 'pids'));
  if (dir) await rm(dir, { recursive: true, force: true });
  lines = [];
});

async function tempDir(): Promise<string> {
  return (dir = await mkdtemp(path.join(os.tmpdir(), 'remote-bee-test-')));
}

function client(url = server.url, token = OPERATOR_TOKEN): HiveClient {
  return new HiveClient({ url, token, log: (line) => lines.push(line), backoff: { firstMs: 50, maxMs: 200 } });
}

async function startBee(botId: string, handler: Handler, options: Partial<RemoteBeeOptions> = {}): Promise<RemoteBee> {
  const bee = new RemoteBee({
    client: client(),
    botId,
    name: botId,
    handlerFor: () => handler,
    heartbeatMs: 200,
    log: (line) => lines.push(line),
    ...options,
  });
  bees.push(bee);
  await bee.start();
  return bee;
}

/** A command whose shell and a child of it record their pids, then wait forever. */
const sleeper = (pidFile: string) => `echo $$ >> '${pidFile}'; sleep 600 & echo $! >> '${pidFile}'; wait`;
const bothPids = (pidFile: string) => eventually(async () => ((await recordedPids(pidFile)).length >= 2 ? true : null));
const allGone = (pidFile: string) =>
  eventually(async () => (await recordedPids(pidFile)).every((pid) => !alive(pid)), 10_000);

describe('a bee over HTTP', () => {
  it('answers dispatched tasks from an empty folder of its own, and leaves it empty (npm run bee -- --url --once)', async () => {
    const ids = [await server.api.dispatch('BEE-ONCE'), await server.api.dispatch('BEE-ONCE')];
    const cwd = await tempDir();
    const { stdout } = await run(
      process.execPath,
      ['--import', TSX, BEE_ENTRY, '--url', server.url, '--bot', 'BEE-ONCE', '--once'],
      { cwd, env: { ...process.env, HIVE_ROOT: cwd, HIVE_BEE_TOKEN: OPERATOR_TOKEN }, timeout: 60_000 },
    );
    expect(stdout).toContain('done: {"answered":2,"failed":0,"cancelled":0,"released":0,"lost":0}');
    for (const id of ids) {
      const status = await server.api.status(id);
      expect(status).toMatchObject({ status: 'completed', state: 'completed' });
      expect('content' in status && status.content).toContain('Answered by **BEE-ONCE**');
    }
    expect(await readdir(cwd)).toEqual([]);
  });

  it('answers `blocked` with the reason when its command fails', async () => {
    const id = await server.api.dispatch('BEE-FAIL');
    const bee = await startBee('BEE-FAIL', execHandler('echo broken >&2; exit 3', 10_000), { once: true });
    await bee.drained();
    expect(bee.counts).toMatchObject({ failed: 1, answered: 0 });
    const status = await server.api.status(id);
    expect(status).toMatchObject({ state: 'blocked' });
    expect('content' in status && status.content).toMatch(/exited with code 3[\s\S]*broken/);
  });

  it('answers `blocked`, saying why, when its command prints nothing or more than the server takes', async () => {
    const silent = await server.api.dispatch('BEE-SILENT');
    await (await startBee('BEE-SILENT', execHandler('true', 10_000), { once: true })).drained();
    expect(await server.api.status(silent)).toMatchObject({
      state: 'blocked',
      content: expect.stringContaining('The handler finished without printing an answer'),
    });

    const huge = await server.api.dispatch('BEE-HUGE');
    const bee = await startBee('BEE-HUGE', execHandler(`head -c 100000 /dev/zero | tr '\\0' x`, 10_000), {
      once: true,
    });
    await bee.drained();
    expect(bee.counts).toMatchObject({ failed: 1, answered: 0 });
    const status = await server.api.status(huge);
    expect(status).toMatchObject({ state: 'blocked' });
    expect('content' in status && status.content).toMatch(
      /^# Task \S+: the answer was too large to send\n\nThe server refused the answer \(100000 characters\): The body is larger than 65536 bytes/,
    );
    // The status reply previews the first 1,000 characters, the excerpt among them.
    expect('content' in status && status.content).toContain('```\n' + 'x'.repeat(500));
  });

  it('renews its lease while work runs longer than the lease', async () => {
    const id = await server.api.dispatch('BEE-SLOW');
    const bee = await startBee('BEE-SLOW', execHandler('sleep 4; echo "# slow but sure"', 10_000), { once: true });
    await bee.drained();
    expect(bee.counts).toMatchObject({ answered: 1, lost: 0 });
    expect(await server.api.status(id)).toMatchObject({ state: 'completed', content: '# slow but sure\n' });
  });

  it("stops the command's whole process group on a cancel, and acknowledges it with status cancelled", async () => {
    const pidFile = path.join(await tempDir(), 'pids');
    const id = await server.api.dispatch('BEE-CANCEL');
    const bee = await startBee('BEE-CANCEL', execHandler(sleeper(pidFile), 600_000));
    await bothPids(pidFile);
    expect(bee.taskInHand).toBe(id);
    await server.api.cancel(id, 'wrong repo');
    await allGone(pidFile);
    await eventually(async () => (await server.api.state(id)) === 'cancelled');
    await eventually(() => bee.counts.cancelled === 1);
    expect(bee.counts.answered).toBe(0);
  });

  it('ends the work without answering when its lease is lost (409)', async () => {
    const pidFile = path.join(await tempDir(), 'pids');
    const id = await server.api.dispatch('BEE-LOST');
    const recording = client();
    const leases = new Map<string, string>();
    const claim = recording.claim.bind(recording);
    recording.claim = async (...args) => {
      const claimed = await claim(...args);
      if (claimed) leases.set(claimed.task_id, claimed.lease_token);
      return claimed;
    };
    const bee = await startBee('BEE-LOST', execHandler(sleeper(pidFile), 600_000), { client: recording });
    await bothPids(pidFile);
    // Someone else gives the task back with the bee's own token: its next renewal is refused.
    await recording.release(id, leases.get(id)!, AbortSignal.timeout(5000));
    await eventually(() => bee.counts.lost === 1, 5000);
    const firstAttempt = (await recordedPids(pidFile)).slice(0, 2);
    await eventually(() => firstAttempt.every((pid) => !alive(pid)));
    expect(lines.join('\n')).toMatch(new RegExp(`lost the lease on ${id}: .*; ending its work, no answer`));
    expect(bee.counts.answered).toBe(0);
  });

  it('gives the task back on a second stop, its command ended', async () => {
    const pidFile = path.join(await tempDir(), 'pids');
    const id = await server.api.dispatch('BEE-STOP');
    const bee = await startBee('BEE-STOP', execHandler(sleeper(pidFile), 600_000));
    await bothPids(pidFile);
    const stopped = bee.stop();
    // The first stop waits for the task in hand: the bee still heartbeats with it after the stop.
    const stopAt = new Date().toISOString();
    await eventually(async () => {
      const seen = await server.api.bee('BEE-STOP');
      return seen && seen.heartbeat_at > stopAt && seen.current_task === id;
    });
    expect(bee.counts.released).toBe(0);
    await bee.stopNow();
    await stopped;
    await allGone(pidFile);
    expect(bee.counts).toMatchObject({ released: 1, answered: 0 });
    expect(await server.api.state(id)).toBe('waiting');
  });

  it('sends no periodic heartbeat while idle on an open long-poll (the server counts it live), and does while working', async () => {
    const pidFile = path.join(await tempDir(), 'pids');
    const counting = client();
    const calls = { heartbeat: 0, claim: 0 };
    for (const method of ['heartbeat', 'claim'] as const) {
      const call = counting[method].bind(counting) as (...args: unknown[]) => Promise<never>;
      counting[method] = (...args: unknown[]) => (calls[method]++, call(...args));
    }
    const bee = await startBee('BEE-IDLE', execHandler(sleeper(pidFile), 600_000), {
      client: counting,
      heartbeatMs: 100,
      claimWaitSeconds: 1,
    });
    // Three long-polls of a second each: thirty heartbeat intervals with nothing in hand.
    await eventually(() => calls.claim >= 3, 10_000);
    expect(calls.heartbeat).toBe(1);
    expect(await server.api.bee('BEE-IDLE')).toMatchObject({ live: true, via: 'http' });

    const id = await server.api.dispatch('BEE-IDLE');
    await eventually(() => bee.taskInHand === id);
    const atStart = calls.heartbeat;
    await eventually(() => calls.heartbeat >= atStart + 3);
  });

  it('works through the next server when the first refuses connections (npm run bee -- --url DEAD,LIVE)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const id = await server.api.dispatch('BEE-FAILOVER');
    const cwd = await tempDir();
    const { stdout } = await run(
      process.execPath,
      ['--import', TSX, BEE_ENTRY, '--url', `${dead},${server.url}`, '--bot', 'BEE-FAILOVER', '--once'],
      { cwd, env: { ...process.env, HIVE_ROOT: cwd, HIVE_BEE_TOKEN: OPERATOR_TOKEN }, timeout: 60_000 },
    );
    expect(stdout).toContain(`BEE-FAILOVER working for ${dead}, ${server.url} over HTTP`);
    // Moved at once, without waiting: no backoff while another server was left to try.
    expect(stdout).toContain(`server ${dead} unreachable (ECONNREFUSED); using ${server.url}`);
    expect(stdout).not.toContain('retrying in');
    expect(stdout).toContain('done: {"answered":1,"failed":0,"cancelled":0,"released":0,"lost":0}');
    expect(await server.api.status(id)).toMatchObject({ status: 'completed', state: 'completed' });
  });

  it('waits for a server that is not up yet, then answers', async () => {
    const port = await freePort();
    const bee = await startBee('BEE-LATE', builtinHandler('BEE-LATE'), {
      client: client(`http://127.0.0.1:${port}`),
    });
    await eventually(() => lines.some((line) => line.startsWith('server unreachable (ECONNREFUSED), retrying in')));
    const late = await startTestServer({ port });
    try {
      const id = await late.api.dispatch('BEE-LATE');
      await eventually(async () => (await late.api.state(id)) === 'completed', 10_000);
      // The server counts the answer before its reply reaches the bee.
      await eventually(() => bee.counts.answered === 1);
      expect(lines).toContain('reconnected');
      await bee.stop();
    } finally {
      await late.close();
    }
  }, 60_000);
});

describe('a bee the server refuses', () => {
  it("exits 1 with the server's message when its token is unknown (401)", async () => {
    const failure = await run(
      process.execPath,
      ['--import', 'tsx', BEE_ENTRY, '--url', server.url, '--token', 'hbt_not-a-token-of-this-server-0000'],
      { timeout: 60_000 },
    ).catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /^bee: the server refused \(401 UNAUTHORIZED\): This bee token is not one this server knows/m,
    );
  });

  it('stops by itself when its bee token does not serve the bot (403)', async () => {
    const bee = await startBee('BEE-OTHER', builtinHandler('BEE-OTHER'), {
      client: client(server.url, beeToken),
    });
    await bee.drained();
    expect(bee.failure?.message).toMatch(/^the server refused \(403 FORBIDDEN\): Bee token "gpu-box" serves BEE-TOKEN/);
  });
});
