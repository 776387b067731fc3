/**
 * The bridge against the real server (the production build, with 3-second leases), and an
 * unmodified file bee (class Bee) serving the bridge's local hive: tasks dispatched on the
 * server are answered end to end (completed, or blocked), cancels reach the local command,
 * leases outlive their length while tasks wait locally, up to --slots at a time, and a lost
 * lease or a stop takes the local copy away.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, killRecorded, recordedPids } from '../../e2e/support/pids';
import { hivePaths } from '../../server/core/hive-paths';
import { parseTaskFileName } from '../../server/core/task-files';
import { eventually } from '../../server/testing/temp-hive';
import { Bee } from '../bee/bee';
import { builtinHandler, execHandler, type Handler } from '../bee/handlers';
import { HiveClient } from '../bee/hive-client';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from '../lib/test-server';
import { Bridge, type BridgeOptions } from './bridge';

let server: TestServer;
let root: string;
let lines: string[] = [];
const running: { stopNow(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startTestServer({ env: { HIVE_LEASE_SECONDS: '3' } });
}, 60_000);
afterAll(() => server?.close());
afterEach(async () => {
  for (const worker of running.splice(0).reverse()) await worker.stopNow();
  await killRecorded(path.join(root, 'pids'));
  await rm(root, { recursive: true, force: true });
  lines = [];
});

async function startBridge(botId: string, options: Partial<BridgeOptions> = {}): Promise<Bridge> {
  root = await mkdtemp(path.join(os.tmpdir(), 'bridge-test-'));
  const log = (line: string) => lines.push(line);
  const client = new HiveClient({ url: server.url, token: OPERATOR_TOKEN, log, backoff: { firstMs: 50, maxMs: 200 } });
  const bridge = new Bridge({
    client,
    root,
    botId,
    name: botId,
    slots: 1,
    heartbeatMs: 200,
    rescanMs: 200,
    log,
    ...options,
  });
  running.push(bridge);
  await bridge.start();
  return bridge;
}

/** An unmodified file bee on the bridge's local hive. */
async function startLocalBee(botId: string, handler: Handler): Promise<Bee> {
  const log = (line: string) => lines.push(line);
  const bee = new Bee({ root, botId, name: `${botId}-local`, handlerFor: () => handler, rescanMs: 200, log });
  running.push(bee);
  await bee.start();
  return bee;
}

const local = (dir: 'tasks' | 'archive' | 'claims' | 'cancels' | 'responses', botId?: string) =>
  readdir(path.join(hivePaths(root)[dir], botId ?? '')).catch(() => [] as string[]);
const sleeper = (pidFile: string) => `echo $$ >> '${pidFile}'; sleep 600 & echo $! >> '${pidFile}'; wait`;

describe('a bridge with a file bee behind it', () => {
  it('answers a dispatched task end to end, and archives the local copy', async () => {
    const id = await server.api.dispatch('BRIDGE-1');
    const bridge = await startBridge('BRIDGE-1');
    await startLocalBee('BRIDGE-1', builtinHandler('BRIDGE-1'));
    await eventually(async () => (await server.api.state(id)) === 'completed', 10_000);
    const status = await server.api.status(id);
    expect('content' in status && status.content).toContain('Answered by **BRIDGE-1**');
    await eventually(() => bridge.counts.answered === 1);
    // The server's file name format, so the file bee took it for one of its own.
    const [archived] = await local('archive', 'BRIDGE-1');
    expect(parseTaskFileName(archived!)).toMatchObject({ taskId: id });
    expect(await local('tasks', 'BRIDGE-1')).toEqual([]);
    expect(await local('claims')).toEqual([]);
    expect(await local('responses')).toEqual([`BRIDGE-1-RESPONSE-${id}.md`]);
    expect(lines.join('\n')).toContain(`${id}: status in_progress`);
  });

  it('passes on a failed command as blocked, with the reason', async () => {
    const id = await server.api.dispatch('BRIDGE-FAIL');
    await startBridge('BRIDGE-FAIL');
    await startLocalBee('BRIDGE-FAIL', execHandler('echo broken >&2; exit 3', 10_000));
    // The status `blocked` comes first (the bee rewrites it before it answers), then the response.
    const status = await eventually(async () => {
      const now = await server.api.status(id);
      return 'content' in now ? now : null;
    }, 10_000);
    expect(status).toMatchObject({ state: 'blocked' });
    expect(status.content).toMatch(/exited with code 3[\s\S]*broken/);
  });

  it("turns a cancel into a local cancel file: the local command's process group ends, and the cancel is acknowledged", async () => {
    const id = await server.api.dispatch('BRIDGE-CANCEL');
    const bridge = await startBridge('BRIDGE-CANCEL');
    const pidFile = path.join(root, 'pids');
    await startLocalBee('BRIDGE-CANCEL', execHandler(sleeper(pidFile), 600_000));
    await eventually(async () => ((await recordedPids(pidFile)).length >= 2 ? true : null));
    await eventually(async () => (await server.api.state(id)) === 'in_progress');
    await server.api.cancel(id, 'wrong repo');
    await eventually(async () => (await recordedPids(pidFile)).every((pid) => !alive(pid)), 10_000);
    await eventually(async () => (await server.api.state(id)) === 'cancelled', 10_000);
    await eventually(() => bridge.counts.cancelled === 1);
    expect(await local('cancels')).toEqual([]);
    expect(await local('tasks', 'BRIDGE-CANCEL')).toEqual([]);
  });

  it('acknowledges a cancel itself when no local bee has started the task', async () => {
    const id = await server.api.dispatch('BRIDGE-IDLE');
    const bridge = await startBridge('BRIDGE-IDLE');
    await eventually(async () => (await local('tasks', 'BRIDGE-IDLE')).length === 1);
    await server.api.cancel(id);
    await eventually(async () => (await server.api.state(id)) === 'cancelled', 10_000);
    await eventually(() => bridge.counts.cancelled === 1);
    expect(await local('claims')).toEqual([]);
  });

  it('holds up to --slots tasks, renewing their leases while they wait for a local bee', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await server.api.dispatch('BRIDGE-SLOTS'));
    const bridge = await startBridge('BRIDGE-SLOTS', { slots: 2 });
    await eventually(async () => (await local('tasks', 'BRIDGE-SLOTS')).length === 2);
    // Longer than a lease: still claimed by the bridge, and the third still waits.
    await new Promise((r) => setTimeout(r, 4000));
    const states = await Promise.all(ids.map((id) => server.api.state(id)));
    expect(states.filter((state) => state === 'claimed')).toHaveLength(2);
    expect(states.filter((state) => state === 'waiting')).toHaveLength(1);
    await startLocalBee('BRIDGE-SLOTS', builtinHandler('BRIDGE-SLOTS'));
    for (const id of ids) await eventually(async () => (await server.api.state(id)) === 'completed', 10_000);
    await eventually(() => bridge.counts.answered === 3);
  }, 30_000);

  it('withdraws the local copy when its lease is lost (409)', async () => {
    const id = await server.api.dispatch('BRIDGE-LOST');
    const log = (line: string) => lines.push(line);
    const client = new HiveClient({ url: server.url, token: OPERATOR_TOKEN, log });
    const leases = new Map<string, string>();
    const claim = client.claim.bind(client);
    client.claim = async (...args) => {
      const claimed = await claim(...args);
      if (claimed) leases.set(claimed.task_id, claimed.lease_token);
      return claimed;
    };
    const bridge = await startBridge('BRIDGE-LOST', { client });
    await eventually(async () => (await local('tasks', 'BRIDGE-LOST')).length === 1);
    await client.release(id, leases.get(id)!, AbortSignal.timeout(5000));
    await eventually(() => bridge.counts.lost === 1, 5000);
    expect(lines.join('\n')).toMatch(new RegExp(`lost the lease on ${id}: .*; withdrawing the local copy`));
    // The bridge claims the task again (the next attempt) and mirrors it afresh.
    await eventually(async () => (await local('tasks', 'BRIDGE-LOST')).length === 1);
  });

  it('gives back, on its first stop, the tasks no local bee has started', async () => {
    const id = await server.api.dispatch('BRIDGE-STOP');
    const bridge = await startBridge('BRIDGE-STOP');
    await eventually(async () => (await local('tasks', 'BRIDGE-STOP')).length === 1);
    await bridge.stop();
    expect(bridge.counts.released).toBe(1);
    expect(await server.api.state(id)).toBe('waiting');
    expect(await local('tasks', 'BRIDGE-STOP')).toEqual([]);
    expect(await local('claims')).toEqual([]);
  });

  it('on its first stop waits for the task a local bee works on, and gives it back if that bee gives it up', async () => {
    const id = await server.api.dispatch('BRIDGE-HANDOFF');
    const bridge = await startBridge('BRIDGE-HANDOFF');
    const pidFile = path.join(root, 'pids');
    const bee = await startLocalBee('BRIDGE-HANDOFF', execHandler(sleeper(pidFile), 600_000));
    await eventually(async () => (await server.api.state(id)) === 'in_progress');
    const stopped = bridge.stop();
    // It waits for the task the local bee works on: it still heartbeats with it after the stop.
    const stopAt = new Date().toISOString();
    await eventually(async () => {
      const seen = await server.api.bee('BRIDGE-HANDOFF');
      return seen && seen.heartbeat_at > stopAt && seen.current_task === id;
    });
    expect(bridge.counts.released).toBe(0);
    // The local bee is stopped at once: it gives the task back locally, and the bridge passes it on.
    await bee.stopNow();
    await stopped;
    expect(bridge.counts.released).toBe(1);
    expect(await server.api.state(id)).toBe('waiting');
    expect(lines.join('\n')).toContain(`${id}: status active`);
  });
});
