/**
 * The bee protocol over HTTP (DESIGN §8) at the core, against real files and a real ledger:
 * the server takes claims for remote bees the way file bees take them, fences each attempt
 * with a lease, and ends every race in one outcome.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimAsBee } from '../../../scripts/lib/hive-files';
import { eventually, openTempHive } from '../../testing/temp-hive';
import { runInput } from '../../testing/tasks';

let hive: Awaited<ReturnType<typeof openTempHive>>;
afterEach(() => hive?.cleanup());

async function open(leaseMs = 60_000) {
  hive = await openTempHive({ leaseMs, presenceCheckMs: 50 });
  return hive;
}
const dispatch = (task_id: string, bot_id = 'BEE-001') =>
  hive.service.run(runInput({ task_id, bot_id }), { actor: 'test' });
const claim = (bee: string, wait_seconds = 0, bots = ['BEE-001']) =>
  hive.service.bees.claim(bee, { bots, wait_seconds }, null);
const events = (taskId: string, type: string) => hive.ledger.forTask(taskId).filter((e) => e.event_type === type);
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('claiming over HTTP', () => {
  it('hands out the oldest waiting task with a lease, and takes the same exclusive claim a file bee would', async () => {
    await open();
    await dispatch('TASK-OLD');
    await dispatch('TASK-NEW');
    const claimed = await claim('remote-1');
    expect(claimed).toMatchObject({
      task_id: 'TASK-OLD',
      attempt: 1,
      task: { task_id: 'TASK-OLD', bot_id: 'BEE-001' },
    });
    expect(claimed!.lease_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // A file bee finds the task taken; the claim file holds the lease's hash, never the token.
    expect(await claimAsBee(hive.paths.root, 'TASK-OLD', 'file-bee')).toBe(false);
    const claimFile = await readFile(path.join(hive.paths.claims, 'TASK-OLD'), 'utf8');
    expect(claimFile).toContain('"via":"http"');
    expect(claimFile).not.toContain(claimed!.lease_token);
    expect(events('TASK-OLD', 'task_claimed')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ bee: 'remote-1', via: 'http', attempt: 1 }) }),
    ]);
    expect(hive.view.get('TASK-OLD')).toMatchObject({ state: 'claimed', claimed_by_bee: 'remote-1' });
  });

  it('answers null at once when nothing waits and wait_seconds is 0, and skips tasks a file bee claimed', async () => {
    await open();
    expect(await claim('remote-1')).toBeNull();
    await dispatch('TASK-FILE');
    await dispatch('TASK-HTTP');
    expect(await claimAsBee(hive.paths.root, 'TASK-FILE', 'file-bee')).toBe(true);
    expect((await claim('remote-1'))?.task_id).toBe('TASK-HTTP');
    await eventually(() => hive.view.get('TASK-FILE')?.claimed_by_bee === 'file-bee');
    expect(events('TASK-FILE', 'task_claimed')).toHaveLength(1);
  });

  it('a long-poll is woken by the dispatch, not by its timeout', async () => {
    await open();
    const waiting = claim('remote-1', 30);
    await eventually(() => hive.service.bees.waitingClaims === 1);
    const started = Date.now();
    await dispatch('TASK-LATE');
    expect((await waiting)?.task_id).toBe('TASK-LATE');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(hive.service.bees.waitingClaims).toBe(0);
  });

  it('a long-poll ends empty when its request is aborted, and holds nothing afterwards', async () => {
    await open();
    const abort = new AbortController();
    const waiting = hive.service.bees.claim('remote-1', { bots: ['BEE-001'], wait_seconds: 30 }, null, abort.signal);
    await eventually(() => hive.service.bees.waitingClaims === 1);
    abort.abort();
    expect(await waiting).toBeNull();
    expect(hive.service.bees.waitingClaims).toBe(0);
  });

  it('a bee that hung up as the task was handed to it does not keep it: the task waits again at once', async () => {
    await open();
    await dispatch('TASK-HUNG-UP');
    const gone = new AbortController();
    gone.abort();
    expect(
      await hive.service.bees.claim('remote-1', { bots: ['BEE-001'], wait_seconds: 0 }, null, gone.signal),
    ).toBeNull();
    expect(hive.view.get('TASK-HUNG-UP')).toMatchObject({ state: 'waiting', claimed_by: null });
    expect(events('TASK-HUNG-UP', 'task_claim_released')).toHaveLength(1);
    expect((await claim('remote-2'))?.attempt).toBe(2);
  });

  it('twenty remote bees and a file bee racing for forty tasks: every task claimed once', async () => {
    await open();
    const ids = Array.from({ length: 40 }, (_, i) => `TASK-R-${String(i).padStart(2, '0')}`);
    for (const id of ids) await dispatch(id);
    const remote = Array.from({ length: 20 }, (_, i) => claim(`remote-${i}`).then((c) => (c ? [c.task_id] : [])));
    const fileBee = (async () => {
      const won: string[] = [];
      for (const id of ids) if (await claimAsBee(hive.paths.root, id, 'file-bee')) won.push(id);
      return won;
    })();
    const claimed = (await Promise.all([...remote, fileBee])).flat();
    expect(claimed.sort()).toEqual(ids);
    await eventually(() => ids.every((id) => hive.view.get(id)?.state === 'claimed'));
    for (const id of ids) expect(events(id, 'task_claimed'), id).toHaveLength(1);
  });
});

describe('answering with a lease', () => {
  it('publishes the response whole, completes the task once, and acknowledges the same answer again', async () => {
    await open();
    await dispatch('TASK-A');
    const { lease_token } = (await claim('remote-1'))!;
    await hive.service.bees.setStatus('TASK-A', lease_token, 'in_progress', null);
    expect(hive.view.get('TASK-A')?.state).toBe('in_progress');
    const answer = { lease_token, content: '# Done\nhello.py written' };
    const first = await hive.service.bees.respond('TASK-A', answer, null);
    expect(first).toMatchObject({
      state: 'completed',
      response_path: '.deia/hive/responses/BEE-001-RESPONSE-TASK-A.md',
    });
    expect(await readFile(path.join(hive.paths.root, first.response_path!), 'utf8')).toBe(answer.content);
    // A retry after a lost reply is told it landed; other content is refused.
    expect(await hive.service.bees.respond('TASK-A', answer, null)).toEqual(first);
    await expect(hive.service.bees.respond('TASK-A', { lease_token, content: 'other' }, null)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(events('TASK-A', 'task_completed')).toHaveLength(1);
    expect(await readdir(hive.paths.responses)).toEqual(['BEE-001-RESPONSE-TASK-A.md']);
  });

  it('a failed run answers blocked: the response says why and the task stays blocked', async () => {
    await open();
    await dispatch('TASK-B');
    const { lease_token } = (await claim('remote-1'))!;
    const result = await hive.service.bees.respond(
      'TASK-B',
      { lease_token, content: 'exit 1', status: 'blocked' },
      null,
    );
    expect(result.state).toBe('blocked');
    expect(hive.view.get('TASK-B')).toMatchObject({ state: 'blocked', status: 'blocked' });
  });

  it('a token that is not the lease changes nothing (409)', async () => {
    await open();
    await dispatch('TASK-T');
    await claim('remote-1');
    const wrong = 'x'.repeat(32);
    await expect(
      hive.service.bees.respond('TASK-T', { lease_token: wrong, content: 'hi' }, null),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await readdir(hive.paths.responses)).toEqual([]);
  });
});

describe('a lease that runs out', () => {
  it('releases the claim (task_claim_expired): the task waits again, the next claim is attempt 2, the dead token gets 409', async () => {
    await open(300);
    await dispatch('TASK-X');
    const dead = (await claim('remote-dead'))!;
    await eventually(() => events('TASK-X', 'task_claim_expired').length === 1);
    expect(hive.view.get('TASK-X')).toMatchObject({ state: 'waiting', claimed_by: null, status: 'active' });
    expect(await exists(path.join(hive.paths.claims, 'TASK-X'))).toBe(false);

    const next = (await claim('remote-next'))!;
    expect(next).toMatchObject({ task_id: 'TASK-X', attempt: 2 });
    await expect(
      hive.service.bees.respond('TASK-X', { lease_token: dead.lease_token, content: 'late' }, null),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await readdir(hive.paths.responses)).toEqual([]);
    expect(hive.view.get('TASK-X')).toMatchObject({ state: 'claimed', claimed_by_bee: 'remote-next', attempt: 2 });
    expect(events('TASK-X', 'task_claim_expired')).toHaveLength(1);
  });

  it('is kept by renewing it', async () => {
    await open(400);
    await dispatch('TASK-KEEP');
    const { lease_token } = (await claim('remote-1'))!;
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await hive.service.bees.renew('TASK-KEEP', lease_token, null);
    }
    expect(events('TASK-KEEP', 'task_claim_expired')).toEqual([]);
    expect(hive.view.get('TASK-KEEP')?.claimed_by_bee).toBe('remote-1');
  });

  it('survives a server restart: the lease is taken up again from the claim file', async () => {
    await open();
    await dispatch('TASK-RESTART');
    const { lease_token } = (await claim('remote-1'))!;
    const root = hive.paths.root;
    await hive.close();
    hive = await openTempHive({ root, leaseMs: 60_000 });
    expect(await hive.service.bees.renew('TASK-RESTART', lease_token, null)).toMatchObject({ attempt: 1 });
    expect(await hive.service.bees.respond('TASK-RESTART', { lease_token, content: 'done' }, null)).toMatchObject({
      state: 'completed',
    });
  });
});

describe('cancel reaches a remote bee', () => {
  it('through its heartbeat reply; its status `cancelled` ends the task as cancelled, once', async () => {
    await open();
    await dispatch('TASK-C');
    await hive.service.bees.heartbeat('remote-1', { bots: ['BEE-001'] }, null);
    const { lease_token } = (await claim('remote-1'))!;
    expect(await hive.service.cancel('TASK-C', { reason: 'wrong repo' }, 'test')).toMatchObject({
      state: 'cancelling',
    });
    expect(await hive.service.bees.heartbeat('remote-1', { bots: ['BEE-001'], current_task: 'TASK-C' }, null)).toEqual({
      cancel: ['TASK-C'],
      live_seconds: 30,
    });
    expect((await hive.service.bees.setStatus('TASK-C', lease_token, 'cancelled', null)).state).toBe('cancelled');
    expect(events('TASK-C', 'task_cancelled')).toHaveLength(1);
    // Asked to stop, it answers anyway: refused, one end stands.
    await expect(hive.service.bees.respond('TASK-C', { lease_token, content: 'late' }, null)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });
});

describe('heartbeats over HTTP', () => {
  it('a bee idle again after its answer is no longer shown working on the task it finished', async () => {
    await open();
    await dispatch('TASK-DONE');
    const claimed = await claim('remote-1');
    await hive.service.bees.heartbeat('remote-1', { bots: ['BEE-001'], current_task: 'TASK-DONE' }, null);
    await hive.service.bees.respond('TASK-DONE', { lease_token: claimed!.lease_token, content: 'done' }, null);
    await eventually(() => hive.view.get('TASK-DONE')?.state === 'completed');
    expect(await claim('remote-1')).toBeNull();
    expect(hive.presence.get('remote-1')!.record.current_task).toBeNull();
  });

  it('keep the bee live at every beat, and rewrite its presence file only when it changes (or every 10 s)', async () => {
    await open();
    const file = path.join(hive.paths.bees, 'remote-1.json');
    const beat = (current_task: string | null = null) =>
      hive.service.bees.heartbeat('remote-1', { bots: ['BEE-001'], current_task, host: 'gpu-box', pid: 4242 }, null);
    await beat();
    const first = await readFile(file, 'utf8');
    expect(JSON.parse(first)).toMatchObject({ bee: 'remote-1', host: 'gpu-box', pid: 4242, via: 'http' });
    const heard = () => hive.presence.list().find((b) => b.record.bee === 'remote-1')!.record.heartbeat_at;
    const before = heard();
    await new Promise((r) => setTimeout(r, 5));
    await beat();
    expect(heard() > before).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(first);
    await beat('TASK-1');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ current_task: 'TASK-1' });
    expect(hive.presence.isLive('remote-1')).toBe(true);
  });

  it('are not needed while a bee waits on a claim: its open long-poll keeps it live', async () => {
    let now = Date.now();
    hive = await openTempHive({ presenceCheckMs: 20, now: () => now });
    await hive.service.bees.heartbeat('talker', { bots: ['BEE-002'] }, null);
    const abort = new AbortController();
    const waiting = hive.service.bees.claim('waiter', { bots: ['BEE-001'], wait_seconds: 30 }, null, abort.signal);
    await eventually(() => hive.service.bees.waitingClaims === 1);
    now += 45_000; // past the 30 s a heartbeat keeps a bee live
    await eventually(() => !hive.presence.isLive('talker'));
    expect(hive.presence.isLive('waiter')).toBe(true);
    abort.abort();
    await waiting;
    now += 45_000;
    await eventually(() => !hive.presence.isLive('waiter'));
  });

  it('refuse the name of a live file bee', async () => {
    await open();
    const { writePresence } = await import('../../../scripts/lib/hive-files');
    await writePresence(hive.paths.root, 'taken', ['BEE-001']);
    await eventually(() => hive.presence.isLive('taken'));
    await expect(hive.service.bees.heartbeat('taken', { bots: ['BEE-001'] }, null)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('give this bee another name'),
    });
  });
});

describe('bee tokens scope what a bee may touch', () => {
  const scope = { name: 'gpu-box', bots: new Set(['BEE-001']) };
  it('refuses claims and heartbeats for bots the token was not given, and lease calls on their tasks', async () => {
    await open();
    await expect(hive.service.bees.claim('b', { bots: ['BEE-002'], wait_seconds: 0 }, scope)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('may not claim tasks for BEE-002'),
    });
    await expect(hive.service.bees.heartbeat('b', { bots: ['BEE-001', 'BEE-002'] }, scope)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await dispatch('TASK-OTHER', 'BEE-002');
    const { lease_token } = (await hive.service.bees.claim('op', { bots: ['BEE-002'], wait_seconds: 0 }, null))!;
    await expect(hive.service.bees.renew('TASK-OTHER', lease_token, scope)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
