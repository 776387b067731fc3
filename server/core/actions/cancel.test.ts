/** Cancel (DESIGN §7) against real files, with bees played by the test: races end in one outcome, recorded once. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimAsBee, setStatusAsBee, writePresence, writeResponse } from '../../../scripts/lib/hive-files';
import { eventually, openTempHive } from '../../testing/temp-hive';
import { runInput } from '../../testing/tasks';

let hive: Awaited<ReturnType<typeof openTempHive>>;
beforeEach(async () => (hive = await openTempHive({ presenceCheckMs: 50 })));
afterEach(() => hive.cleanup());

const root = () => hive.paths.root;
const dispatch = (task_id: string) => hive.service.run(runInput({ task_id }), { actor: 'test' });
const terminal = (taskId: string) =>
  hive.ledger.forTask(taskId).filter((e) => e.event_type === 'task_completed' || e.event_type === 'task_cancelled');
const claimer = async (taskId: string) =>
  (JSON.parse(await readFile(path.join(hive.paths.claims, taskId), 'utf8')) as { bee: string }).bee;

async function liveBee(bee = 'bee-a') {
  await writePresence(root(), bee, ['BEE-001']);
  await eventually(() => hive.presence.isLive(bee));
}

describe('cancelling a task no bee has claimed', () => {
  it('takes it out of the inbox at once, and no bee can claim it afterwards', async () => {
    await dispatch('TASK-C1');
    expect(await hive.service.cancel('TASK-C1', { reason: 'wrong repo' }, 'test')).toEqual({
      task_id: 'TASK-C1',
      state: 'cancelled',
    });
    expect(await readdir(path.join(hive.paths.tasks, 'BEE-001'))).toEqual([]);
    expect(await claimAsBee(root(), 'TASK-C1', 'bee-a')).toBe(false);
    expect(terminal('TASK-C1')).toEqual([
      expect.objectContaining({
        actor: 'test',
        data: expect.objectContaining({ reason: 'wrong repo', was: 'waiting' }),
      }),
    ]);
    expect(hive.view.get('TASK-C1')).toMatchObject({ state: 'cancelled', status: 'cancelled', claimed_by: null });
  });

  it('racing a bee that claims at the same moment: either the bee got it (and is asked to stop) or nobody ever will', async () => {
    await liveBee();
    const ids = Array.from({ length: 40 }, (_, i) => `TASK-RACE-${i}`);
    for (const id of ids) await dispatch(id);
    // One race at a time; the bee starts up to a few milliseconds after the cancel, so either may win.
    const outcomes: { id: string; claimed: boolean; state: string }[] = [];
    for (const [i, id] of ids.entries()) {
      const beeDelay = new Promise((resolve) => setTimeout(resolve, i % 10));
      const [claimed, cancel] = await Promise.all([
        beeDelay.then(() => claimAsBee(root(), id, 'bee-a')),
        hive.service.cancel(id, {}, 'test'),
      ]);
      outcomes.push({ id, claimed, state: cancel.state });
    }
    // Both ways of winning happened, so both were checked.
    expect(new Set(outcomes.map((o) => o.claimed))).toEqual(new Set([true, false]));
    for (const { id, claimed, state } of outcomes) {
      expect(claimed ? 'cancelling' : 'cancelled', id).toBe(state);
      expect(await claimer(id), id).toBe(claimed ? 'bee-a' : 'hive-control');
      expect(terminal(id), id).toHaveLength(claimed ? 0 : 1);
    }
  });

  it('caught between a bee creating its claim and writing it: the bee got it, so it is asked to stop', async () => {
    await liveBee();
    await dispatch('TASK-HALF-CLAIMED');
    // A file bee's claim is created (O_EXCL) and then written: the cancel lands in between.
    const claim = path.join(hive.paths.claims, 'TASK-HALF-CLAIMED');
    await writeFile(claim, '', { flag: 'wx' });
    const cancelling = hive.service.cancel('TASK-HALF-CLAIMED', {}, 'test');
    await new Promise((resolve) => setTimeout(resolve, 30));
    await writeFile(
      claim,
      `${JSON.stringify({ bot_id: 'BEE-001', bee: 'bee-a', claimed_at: new Date().toISOString() })}\n`,
    );

    expect(await cancelling).toEqual({ task_id: 'TASK-HALF-CLAIMED', state: 'cancelling' });
    expect(hive.view.get('TASK-HALF-CLAIMED')).toMatchObject({ state: 'cancelling', claimed_by_bee: 'bee-a' });
    expect(terminal('TASK-HALF-CLAIMED')).toEqual([]);
  });
});

describe('cancelling a claimed task', () => {
  it('asks the bee through cancels/{id}; cancelling until it acknowledges, then cancelled, once', async () => {
    await liveBee();
    const { task_path } = await dispatch('TASK-C2');
    await claimAsBee(root(), 'TASK-C2', 'bee-a');
    await setStatusAsBee(root(), task_path, 'in_progress');
    await eventually(() => hive.view.get('TASK-C2')?.state === 'in_progress');

    expect(await hive.service.cancel('TASK-C2', { reason: 'runaway' }, 'test')).toEqual({
      task_id: 'TASK-C2',
      state: 'cancelling',
    });
    expect(JSON.parse(await readFile(path.join(hive.paths.cancels, 'TASK-C2'), 'utf8'))).toMatchObject({
      task_id: 'TASK-C2',
      reason: 'runaway',
    });
    // Asked again, it is still cancelling: nothing new is recorded.
    expect(await hive.service.cancel('TASK-C2', {}, 'test')).toMatchObject({ state: 'cancelling' });

    await setStatusAsBee(root(), task_path, 'cancelled');
    await eventually(() => hive.view.get('TASK-C2')?.state === 'cancelled');
    expect(terminal('TASK-C2')).toEqual([
      expect.objectContaining({ event_type: 'task_cancelled', data: { reason: 'acknowledged by the bee' } }),
    ]);
    expect(hive.ledger.forTask('TASK-C2').filter((e) => e.event_type === 'task_cancel_requested')).toHaveLength(1);
    // Its end's last step is the archive move; by then the cancel request is cleared away.
    await eventually(() => hive.tasks.get('TASK-C2')?.location === 'archive');
    expect(await readdir(hive.paths.cancels)).toEqual([]);
  });

  it('a cancel and a response landing together end the task once, whichever came first', async () => {
    await liveBee();
    for (let i = 0; i < 20; i++) {
      const id = `TASK-BOTH-${i}`;
      await dispatch(id);
      await claimAsBee(root(), id, 'bee-a');
      await eventually(() => hive.view.get(id)?.state === 'claimed');
      const [cancel] = await Promise.allSettled([
        hive.service.cancel(id, {}, 'test'),
        writeResponse(root(), `BEE-001-RESPONSE-${id}.md`, 'done'),
      ]);
      await eventually(() => terminal(id).length > 0);
      const [end] = terminal(id);
      if (cancel.status === 'rejected') {
        // The response was counted first: the cancel came too late, and said so.
        expect(end!.event_type, id).toBe('task_completed');
        expect(String(cancel.reason), id).toMatch(/already completed/);
      } else {
        expect(end!.event_type, id).toBe('task_cancelled');
      }
      expect(terminal(id), id).toHaveLength(1);
    }
  });

  it('a claim whose bee is not live ends cancelled at once: nobody is left to acknowledge', async () => {
    await dispatch('TASK-C3');
    await claimAsBee(root(), 'TASK-C3', 'bee-gone');
    await eventually(() => hive.view.get('TASK-C3')?.state === 'claimed');
    expect(await hive.service.cancel('TASK-C3', {}, 'test')).toMatchObject({ state: 'cancelled' });
    expect(terminal('TASK-C3')).toHaveLength(1);
  });

  it('a bee that dies while cancelling: the task ends cancelled when its claim goes stale', async () => {
    await liveBee('bee-mortal');
    await dispatch('TASK-C4');
    await claimAsBee(root(), 'TASK-C4', 'bee-mortal');
    await eventually(() => hive.view.get('TASK-C4')?.state === 'claimed');
    expect(await hive.service.cancel('TASK-C4', {}, 'test')).toMatchObject({ state: 'cancelling' });
    // The bee's process is gone (it claimed a pid that no longer exists).
    await writePresence(root(), 'bee-mortal', ['BEE-001'], { pid: 2 ** 22 + 4321 });
    await eventually(() => hive.view.get('TASK-C4')?.state === 'cancelled');
    expect(terminal('TASK-C4')).toEqual([expect.objectContaining({ data: { reason: 'the bee holding it is gone' } })]);
  });

  it('wakes a client waiting for the task, and says it was cancelled', async () => {
    const waiting = hive.service.run(runInput({ task_id: 'TASK-C5', wait_for_response: true, timeout_seconds: 30 }), {
      actor: 'test',
    });
    await eventually(() => hive.view.get('TASK-C5'));
    await hive.service.cancel('TASK-C5', {}, 'test');
    expect((await waiting).response).toEqual({ status: 'cancelled', task_id: 'TASK-C5' });
  });

  it('refuses a finished task with 409, saying why, and changes nothing', async () => {
    await dispatch('TASK-C6');
    await writeResponse(root(), 'TASK-C6.md', 'done');
    await eventually(() => hive.tasks.get('TASK-C6')?.location === 'archive');
    const before = hive.ledger.lastId();
    await expect(hive.service.cancel('TASK-C6', {}, 'test')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'TASK-C6 is already completed; there is nothing left to cancel.',
    });
    expect(hive.ledger.lastId()).toBe(before);
  });
});
