/** Inbox health from counters, claims and liveness (DESIGN §6): what is stuck, and why, in words an operator can act on. */
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../contracts/task-list';
import type { BotRow } from './bot-view';
import { botsHealth, describeAge, type HealthInputs } from './bots-health';
import type { BeeState } from './presence';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

const bot = (bot_id: string, counts: Partial<BotRow> = {}): BotRow => ({
  bot_id,
  waiting: 0,
  held: 0,
  claimed: 0,
  in_progress: 0,
  blocked: 0,
  cancelling: 0,
  paused: 0,
  paused_at: null,
  last_response_at: null,
  ...counts,
});

const bee = (name: string, bots: string[], live = true): BeeState => ({
  live,
  seenAt: NOW - 2000,
  record: {
    bee: name,
    bots,
    host: 'h',
    pid: 1,
    started_at: ago(600),
    heartbeat_at: ago(2),
    current_task: null,
  },
});

const claimed = (task_id: string, overrides: Partial<TaskRow> = {}) =>
  ({
    task_id,
    bot_id: 'BEE-001',
    state: 'in_progress',
    state_since: ago(60),
    claimed_by: 'BEE-001',
    claimed_by_bee: 'bee-a',
    ...overrides,
  }) as TaskRow;

function health(inputs: Partial<HealthInputs>) {
  return botsHealth({
    now: NOW,
    longRunningMs: 3_600_000,
    bots: [],
    oldestWaiting: () => null,
    claimed: [],
    bees: [],
    ...inputs,
  });
}

describe('botsHealth', () => {
  it('tasks for a bot nobody serves: waiting, with a no_live_bee warning naming the bot and the oldest wait', () => {
    const report = health({
      bots: [bot('BEE-002', { waiting: 3 })],
      oldestWaiting: () => ago(303),
      bees: [bee('bee-a', ['BEE-001'])],
    });
    const [b2] = report.bots.filter((b) => b.bot_id === 'BEE-002');
    expect(b2).toMatchObject({ waiting: 3, oldest_waiting_s: 303, live_bees: 0 });
    expect(report.warnings).toEqual([
      {
        code: 'no_live_bee',
        bot_id: 'BEE-002',
        message: '3 tasks wait for BEE-002 and no live bee serves it; the oldest has waited 5m 03s.',
      },
    ]);
    expect(b2!.warnings).toEqual(report.warnings);
    // The bot a live bee serves is listed even with nothing in it, and warns of nothing.
    expect(report.bots.find((b) => b.bot_id === 'BEE-001')).toMatchObject({ live_bees: 1, warnings: [] });
  });

  it('a claim held by a bee that is not live is stale', () => {
    const report = health({
      bots: [bot('BEE-001', { in_progress: 1 })],
      claimed: [claimed('TASK-1')],
      bees: [bee('bee-a', ['BEE-001'], false)],
    });
    expect(report.warnings).toEqual([
      expect.objectContaining({ code: 'stale_claim', task_id: 'TASK-1', bot_id: 'BEE-001', bee: 'bee-a' }),
    ]);
    expect(report.warnings[0]!.message).toMatch(/reclaim it/);
  });

  it('a claim that names no bee is stale only when no live bee serves its bot', () => {
    const anonymous = claimed('TASK-2', { claimed_by_bee: null });
    expect(health({ claimed: [anonymous], bees: [bee('bee-b', ['BEE-001'])] }).warnings).toEqual([]);
    expect(health({ claimed: [anonymous], bees: [bee('bee-b', ['BEE-009'])] }).warnings).toEqual([
      expect.objectContaining({ code: 'stale_claim', task_id: 'TASK-2' }),
    ]);
  });

  it('work in progress longer than the limit runs long; a slow bee is not a dead one', () => {
    const report = health({
      claimed: [claimed('TASK-3', { state_since: ago(7200) }), claimed('TASK-4', { state_since: ago(60) })],
      bees: [bee('bee-a', ['BEE-001'])],
    });
    expect(report.warnings).toEqual([
      expect.objectContaining({
        code: 'long_running',
        task_id: 'TASK-3',
        message: 'TASK-3 has been in progress for 2h 00m.',
      }),
    ]);
  });

  it("counts a bot's claimed, in-progress and cancelling tasks as in progress, and shows its pause", () => {
    const report = health({
      bots: [bot('BEE-001', { claimed: 1, in_progress: 2, cancelling: 1, blocked: 4, paused: 1 })],
    });
    expect(report.bots[0]).toMatchObject({ in_progress: 4, blocked: 4, paused: true });
  });

  it('says how long in words', () => {
    expect([describeAge(41), describeAge(185), describeAge(7800)]).toEqual(['41s', '3m 05s', '2h 10m']);
  });
});
