/**
 * Inbox health (DESIGN §6) from what the server already keeps: per-bot counters, the few
 * tasks a bee holds, and which bees are alive. Nothing here reads the disk, so its cost is
 * the number of bots, bees and claimed tasks, not the size of the hive. The warnings say
 * what is stuck and why: tasks for a bot no live bee serves, claims whose bee is gone,
 * work that runs too long.
 */
import type { BeeStatus, BotHealth, BotsHealth, HealthWarning } from '../contracts/health';
import type { TaskRow } from '../contracts/task-list';
import type { BotRow } from './bot-view';
import type { BeeState } from './presence';

export interface HealthInputs {
  now: number;
  longRunningMs: number;
  bots: readonly BotRow[];
  oldestWaiting(botId: string): string | null;
  /** Tasks a bee holds now: claimed, in progress, or being cancelled. */
  claimed: readonly TaskRow[];
  bees: readonly BeeState[];
  /** The last offline event recorded for each bee that is offline: when, and why. */
  offline?: ReadonlyMap<string, { since: string; reason: string | null }>;
}

export interface Liveness {
  bees: ReadonlySet<string>;
  bots: ReadonlySet<string>;
}

/** Whether the claim on a task belongs to a live bee (by its name, or else by its bot). */
export function claimIsLive(row: Pick<TaskRow, 'claimed_by' | 'claimed_by_bee'>, live: Liveness): boolean {
  if (row.claimed_by_bee !== null) return live.bees.has(row.claimed_by_bee);
  return row.claimed_by !== null && live.bots.has(row.claimed_by);
}

export function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 100) / 10);
}

/** `3m 05s`, `2h 10m`, `41s`: how long, for a person. */
export function describeAge(totalSeconds: number): string {
  const s = Math.floor(totalSeconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function livenessOf(bees: readonly BeeState[]): Liveness {
  const live = { bees: new Set<string>(), bots: new Set<string>() };
  for (const state of bees) {
    if (!state.live) continue;
    live.bees.add(state.record.bee);
    for (const bot of state.record.bots) live.bots.add(bot);
  }
  return live;
}

export function botsHealth(inputs: HealthInputs): BotsHealth {
  const live = livenessOf(inputs.bees);
  const warnings: HealthWarning[] = [];

  for (const row of inputs.claimed) {
    if (!claimIsLive(row, live)) {
      const who = row.claimed_by_bee ?? `a bee of ${row.claimed_by}`;
      warnings.push({
        code: 'stale_claim',
        task_id: row.task_id,
        bot_id: row.bot_id,
        ...(row.claimed_by_bee ? { bee: row.claimed_by_bee } : {}),
        message: `${row.task_id} is ${row.state.replace('_', ' ')} by ${who}, which is not live; reclaim it so another bee can take it.`,
      });
    } else if (row.state === 'in_progress' && inputs.now - Date.parse(row.state_since) > inputs.longRunningMs) {
      warnings.push({
        code: 'long_running',
        task_id: row.task_id,
        bot_id: row.bot_id,
        ...(row.claimed_by_bee ? { bee: row.claimed_by_bee } : {}),
        message: `${row.task_id} has been in progress for ${describeAge(seconds(inputs.now - Date.parse(row.state_since)))}.`,
      });
    }
  }

  const botIds = new Set([...inputs.bots.map((b) => b.bot_id), ...live.bots]);
  const counters = new Map(inputs.bots.map((b) => [b.bot_id, b]));
  const bots: BotHealth[] = [...botIds].sort().map((botId) => {
    const row = counters.get(botId);
    const oldest = row && row.waiting > 0 ? inputs.oldestWaiting(botId) : null;
    const oldestWaitingS = oldest ? seconds(inputs.now - Date.parse(oldest)) : null;
    const liveBees = inputs.bees.filter((b) => b.live && b.record.bots.includes(botId)).length;
    const own: HealthWarning[] = [];
    if (row && row.waiting > 0 && liveBees === 0) {
      own.push({
        code: 'no_live_bee',
        bot_id: botId,
        message:
          `${row.waiting} ${row.waiting === 1 ? 'task waits' : 'tasks wait'} for ${botId} and no live bee serves it; ` +
          `the oldest has waited ${describeAge(oldestWaitingS ?? 0)}.`,
      });
    }
    warnings.push(...own);
    return {
      bot_id: botId,
      waiting: row?.waiting ?? 0,
      oldest_waiting_s: oldestWaitingS,
      held: row?.held ?? 0,
      in_progress: (row?.claimed ?? 0) + (row?.in_progress ?? 0) + (row?.cancelling ?? 0),
      blocked: row?.blocked ?? 0,
      paused: row?.paused === 1,
      live_bees: liveBees,
      last_response_at: row?.last_response_at ?? null,
      warnings: [...own, ...warnings.filter((w) => w.code !== 'no_live_bee' && w.bot_id === botId)],
    };
  });

  const bees: BeeStatus[] = inputs.bees
    .map((state) => ({
      bee: state.record.bee,
      bots: state.record.bots,
      host: state.record.host,
      pid: state.record.pid,
      via: state.record.via ?? 'file',
      live: state.live,
      started_at: state.record.started_at,
      heartbeat_at: state.record.heartbeat_at,
      heartbeat_age_s: seconds(inputs.now - state.seenAt),
      current_task: state.record.current_task,
      offline_since: state.live ? null : (inputs.offline?.get(state.record.bee)?.since ?? null),
      offline_reason: state.live ? null : (inputs.offline?.get(state.record.bee)?.reason ?? null),
    }))
    .sort((a, b) => a.bee.localeCompare(b.bee));

  return { bots, bees, warnings };
}
