/** A task's delivery state, derived from its ledger events alone (DESIGN §6): each event, what it does to the row. */
import { describe, expect, it } from 'vitest';
import type { LedgerEvent, LedgerEventType } from '../contracts/ledger';
import { projectTask, type TaskRecord } from './task-projection';

let id = 0;
const at = (n: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, n)).toISOString();
const event = (event_type: LedgerEventType, data: Record<string, unknown> = {}, second = ++id): LedgerEvent => ({
  id: second,
  ts: at(second),
  event_type,
  task_id: 'TASK-1',
  actor: 'test',
  data,
});

/** The row after these events, from nothing. */
function replay(...events: LedgerEvent[]): TaskRecord {
  let row: TaskRecord | null = null;
  for (const e of events) row = projectTask(row, e);
  if (!row) throw new Error('no row');
  return row;
}

const dispatched = () => [
  event('task_execution_started', { bot_id: 'BEE-001', intent: 'code', title: 'T', summary: 's' }),
  event('task_routed', { lane: 'terminal', provider: 'cli', delivery: 'task_file', rule: 'code', source: 'default' }),
  event('task_dispatched', { bot_id: 'BEE-001', task_path: '.deia/hive/tasks/BEE-001/x-TASK-1.json' }),
];
const status = (s: string) => event('task_status_changed', { status: s });
const claim = (bee = 'bee-a') => event('task_claimed', { bot_id: 'BEE-001', bee });

describe('projectTask: delivery state', () => {
  it('a dispatched task waits, and nothing but a claim makes it look worked on', () => {
    expect(replay(...dispatched())).toMatchObject({ state: 'waiting', status: 'active', claimed_by: null, attempt: 0 });
    expect(replay(...dispatched(), event('task_timeout'))).toMatchObject({ state: 'waiting' });
  });

  it('claimed, then in progress, then completed, each with the time it started', () => {
    const events = [...dispatched(), claim(), status('in_progress')];
    expect(replay(...events)).toMatchObject({ state: 'in_progress', claimed_by_bee: 'bee-a', attempt: 1 });
    const done = replay(...events, event('task_completed', { response_path: 'r.md' }));
    expect(done).toMatchObject({ state: 'completed', status: 'completed', response_path: 'r.md' });
    expect(done.state_since).toBe(done.completed_at);
    const claimed = [...dispatched(), claim()];
    expect(replay(...claimed).state_since).toBe(claimed[3]!.ts);
  });

  it('a bee that gives up (blocked) and answers stays blocked', () => {
    const row = replay(...dispatched(), claim(), status('blocked'), event('task_completed', { response_path: 'r.md' }));
    expect(row).toMatchObject({ state: 'blocked', status: 'blocked', completed_at: expect.any(String) });
  });

  it('a task held for a paused bot is held until released into the inbox', () => {
    const held = [...dispatched(), event('task_held', { task_path: '.deia/hive/held/BEE-001/x-TASK-1.json' })];
    expect(replay(...held)).toMatchObject({ state: 'held', task_path: '.deia/hive/held/BEE-001/x-TASK-1.json' });
    const released = replay(...held, event('task_released', { task_path: '.deia/hive/tasks/BEE-001/x-TASK-1.json' }));
    expect(released).toMatchObject({ state: 'waiting', task_path: '.deia/hive/tasks/BEE-001/x-TASK-1.json' });
  });

  it('a released claim makes it wait again, and the next claim is the next attempt', () => {
    const events = [...dispatched(), claim('bee-a'), status('in_progress'), event('task_claim_released')];
    expect(replay(...events)).toMatchObject({ state: 'waiting', status: 'active', claimed_by: null, attempt: 1 });
    expect(replay(...events, claim('bee-b'))).toMatchObject({ state: 'claimed', claimed_by_bee: 'bee-b', attempt: 2 });
  });

  it('cancelling until the end; a cancelled task takes no more claims, statuses or completions', () => {
    const cancelling = [...dispatched(), claim(), status('in_progress'), event('task_cancel_requested')];
    expect(replay(...cancelling)).toMatchObject({ state: 'cancelling' });
    // The bee's own status rewrites do not undo the request.
    expect(replay(...cancelling, status('in_progress'))).toMatchObject({ state: 'cancelling' });
    const cancelled = [...cancelling, event('task_cancelled', { reason: 'acknowledged by the bee' })];
    expect(replay(...cancelled)).toMatchObject({ state: 'cancelled', status: 'cancelled' });
    const after = replay(...cancelled, claim('bee-b'), status('in_progress'), event('task_completed'));
    expect(after).toMatchObject({ state: 'cancelled', claimed_by_bee: 'bee-a', attempt: 1 });
  });

  it('reassigned to another bot: waiting there, or held when that bot is paused', () => {
    const moved = replay(...dispatched(), event('task_reassigned', { to_bot: 'BEE-002', task_path: 'p2' }));
    expect(moved).toMatchObject({ bot_id: 'BEE-002', task_path: 'p2', state: 'waiting' });
    expect(replay(...dispatched(), event('task_reassigned', { to_bot: 'BEE-003', held: true }))).toMatchObject({
      bot_id: 'BEE-003',
      state: 'held',
    });
  });

  it('lineage: a retry names what it retries, the retried task names its retry', () => {
    const retry = projectTask(null, {
      ...event('task_execution_started', { bot_id: 'BEE-001', intent: 'code', title: 'T', retried_from: 'TASK-0' }),
      task_id: 'TASK-R',
    });
    expect(retry).toMatchObject({ task_id: 'TASK-R', retried_from: 'TASK-0' });
    expect(replay(...dispatched(), event('task_retried', { retry_task_id: 'TASK-R' }))).toMatchObject({
      retried_by: 'TASK-R',
    });
  });

  it('an event that changes nothing returns the same row (nothing is written)', () => {
    const row = replay(...dispatched());
    expect(projectTask(row, event('task_timeout'))).toBe(row);
    expect(projectTask(null, event('task_timeout'))).toBeNull();
  });
});
