/** Reassign and reclaim (DESIGN §6, §7) against real files: a task moves only while no bee holds it; a stale claim is let go. */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimAsBee, setStatusAsBee, writePresence } from '../../../scripts/lib/hive-files';
import { eventually, openTempHive } from '../../testing/temp-hive';
import { runInput } from '../../testing/tasks';

let hive: Awaited<ReturnType<typeof openTempHive>>;
beforeEach(async () => (hive = await openTempHive({ presenceCheckMs: 50 })));
afterEach(() => hive.cleanup());

const root = () => hive.paths.root;
const dispatch = (task_id: string, bot_id = 'BEE-001') =>
  hive.service.run(runInput({ task_id, bot_id }), { actor: 'test' });
const inbox = (bot: string) => readdir(path.join(hive.paths.tasks, bot)).catch(() => [] as string[]);

describe('reassign', () => {
  it('moves an unclaimed task to the other bot, its file rewritten for that bot; a dry run changes nothing first', async () => {
    await dispatch('TASK-R1');
    const dry = await hive.service.reassign('TASK-R1', { bot_id: 'BEE-002', dry_run: true }, 'test');
    expect(dry).toMatchObject({ from_bot: 'BEE-001', to_bot: 'BEE-002', dry_run: true, state: 'waiting' });
    expect(dry.warnings).toEqual([expect.objectContaining({ code: 'no_live_bee', bot_id: 'BEE-002' })]);
    expect(await inbox('BEE-001')).toHaveLength(1);
    expect(hive.view.get('TASK-R1')?.bot_id).toBe('BEE-001');

    const moved = await hive.service.reassign('TASK-R1', { bot_id: 'BEE-002', dry_run: false }, 'test');
    expect(moved.task_path).toMatch(/^\.deia\/hive\/tasks\/BEE-002\/\d{8}T\d{9}Z-TASK-R1\.json$/);
    expect(await inbox('BEE-001')).toEqual([]);
    expect(JSON.parse(await readFile(path.join(root(), moved.task_path), 'utf8'))).toMatchObject({
      task_id: 'TASK-R1',
      bot_id: 'BEE-002',
      status: 'active',
    });
    expect(hive.view.get('TASK-R1')).toMatchObject({ bot_id: 'BEE-002', state: 'waiting', task_path: moved.task_path });
    expect(await readdir(hive.paths.claims)).toEqual([]);
    expect(await hive.service.status('TASK-R1')).toMatchObject({ status: 'active', state: 'waiting' });
    // The new bot's bee can take it.
    expect(await claimAsBee(root(), 'TASK-R1', 'bee-b', 'BEE-002')).toBe(true);
  });

  it('refuses a task a bee claimed, saying who has it, and changes nothing', async () => {
    await dispatch('TASK-R2');
    await claimAsBee(root(), 'TASK-R2', 'bee-a');
    await eventually(() => hive.view.get('TASK-R2')?.state === 'claimed');
    const before = hive.ledger.lastId();
    await expect(hive.service.reassign('TASK-R2', { bot_id: 'BEE-002', dry_run: false }, 'test')).rejects.toMatchObject(
      {
        code: 'CONFLICT',
        message: expect.stringContaining('claimed by bee-a'),
      },
    );
    expect(await inbox('BEE-001')).toHaveLength(1);
    expect(hive.ledger.lastId()).toBe(before);
  });

  it('racing a bee that claims at the same moment: the task is either moved or claimed, never both', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `TASK-RR-${i}`);
    for (const id of ids) await dispatch(id);
    /** A bee of BEE-001 as the contract has it: claim, then make sure the task is still in its inbox. */
    const beeTakes = async (id: string) => {
      if (!(await claimAsBee(root(), id, 'bee-a'))) return false;
      if ((await inbox('BEE-001')).some((name) => name.endsWith(`-${id}.json`))) return true;
      await rm(path.join(hive.paths.claims, id));
      return false;
    };
    const outcomes: { claimed: boolean; moved: boolean }[] = [];
    for (const [i, id] of ids.entries()) {
      const beeDelay = new Promise((resolve) => setTimeout(resolve, i % 10));
      const [claimed, moved] = await Promise.all([
        beeDelay.then(() => beeTakes(id)),
        hive.service.reassign(id, { bot_id: 'BEE-002', dry_run: false }, 'test').then(
          () => true,
          () => false,
        ),
      ]);
      outcomes.push({ claimed, moved });
      expect(claimed !== moved, `${id}: claimed ${claimed}, moved ${moved}`).toBe(true);
      expect(hive.view.get(id)?.bot_id, id).toBe(moved ? 'BEE-002' : 'BEE-001');
    }
    expect(new Set(outcomes.map((o) => o.moved))).toEqual(new Set([true, false]));
  });

  it('into a paused bot: held, out of its inbox', async () => {
    await hive.service.pause('BEE-003', 'test');
    await dispatch('TASK-R3');
    const moved = await hive.service.reassign('TASK-R3', { bot_id: 'BEE-003', dry_run: false }, 'test');
    expect(moved).toMatchObject({ state: 'held', task_path: expect.stringMatching(/^\.deia\/hive\/held\/BEE-003\//) });
    expect(await inbox('BEE-003')).toEqual([]);
  });
});

describe('reclaim', () => {
  it('releases the claim of a bee that is not live: waiting again, and the next claim is the next attempt', async () => {
    const { task_path } = await dispatch('TASK-S1');
    await claimAsBee(root(), 'TASK-S1', 'bee-dead');
    await setStatusAsBee(root(), task_path, 'in_progress');
    await eventually(() => hive.view.get('TASK-S1')?.state === 'in_progress');
    expect((await hive.service.bots()).warnings).toEqual([
      expect.objectContaining({ code: 'stale_claim', task_id: 'TASK-S1', bee: 'bee-dead' }),
    ]);

    expect(await hive.service.reclaim('TASK-S1', 'test')).toEqual({ task_id: 'TASK-S1', state: 'waiting', attempt: 2 });
    expect(await readdir(hive.paths.claims)).toEqual([]);
    expect(JSON.parse(await readFile(path.join(root(), task_path), 'utf8'))).toMatchObject({ status: 'active' });
    expect(hive.view.get('TASK-S1')).toMatchObject({ state: 'waiting', status: 'active', claimed_by: null });
    // No stale claim now: it waits (and says no live bee serves its bot).
    expect((await hive.service.bots()).warnings.map((w) => w.code)).toEqual(['no_live_bee']);

    expect(await claimAsBee(root(), 'TASK-S1', 'bee-b')).toBe(true);
    await eventually(() => hive.view.get('TASK-S1')?.state === 'claimed');
    expect(hive.view.get('TASK-S1')).toMatchObject({ claimed_by_bee: 'bee-b', attempt: 2 });
    const story = hive.ledger.forTask('TASK-S1').map((e) => e.event_type);
    expect(story.slice(3)).toEqual(['task_claimed', 'task_status_changed', 'task_claim_released', 'task_claimed']);
  });

  it('a blocked task whose bee went away before answering is a stale claim too, and can be reclaimed', async () => {
    const { task_path } = await dispatch('TASK-S5');
    await claimAsBee(root(), 'TASK-S5', 'bee-dead');
    await setStatusAsBee(root(), task_path, 'blocked');
    await eventually(() => hive.view.get('TASK-S5')?.state === 'blocked');
    expect((await hive.service.bots()).warnings).toEqual([
      expect.objectContaining({
        code: 'stale_claim',
        task_id: 'TASK-S5',
        message: expect.stringContaining('is blocked by bee-dead'),
      }),
    ]);
    expect(await hive.service.reclaim('TASK-S5', 'test')).toMatchObject({ state: 'waiting' });
  });

  it('refuses to take a task from a live bee (cancel it instead), or one nobody claimed', async () => {
    await writePresence(root(), 'bee-live', ['BEE-001']);
    await eventually(() => hive.presence.isLive('bee-live'));
    await dispatch('TASK-S2');
    await dispatch('TASK-S3');
    await claimAsBee(root(), 'TASK-S2', 'bee-live');
    await eventually(() => hive.view.get('TASK-S2')?.state === 'claimed');
    await expect(hive.service.reclaim('TASK-S2', 'test')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/held by bee-live, which is live; cancel the task instead/),
    });
    await expect(hive.service.reclaim('TASK-S3', 'test')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'TASK-S3 is waiting; no bee holds a claim on it.',
    });
    await expect(hive.service.reclaim('TASK-NONE', 'test')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a bee that lets go of its claim (deletes the file) is recorded, and the task waits again', async () => {
    await dispatch('TASK-S4');
    await claimAsBee(root(), 'TASK-S4', 'bee-a');
    await eventually(() => hive.view.get('TASK-S4')?.state === 'claimed');
    await rm(path.join(hive.paths.claims, 'TASK-S4'));
    await eventually(() => hive.view.get('TASK-S4')?.state === 'waiting');
    expect(hive.ledger.forTask('TASK-S4').at(-1)).toMatchObject({
      event_type: 'task_claim_released',
      data: { reason: 'the claim file was removed', previous: { bot_id: 'BEE-001', bee: 'bee-a' } },
    });
  });
});
