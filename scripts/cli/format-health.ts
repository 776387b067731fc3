/** Human-readable inbox health (`hive bots`): a table per bot, the bees, and the warnings. */
import type { RouterOutputs } from './client';
import { localDateTime } from './format';
import { table } from './output';

type BotsHealth = RouterOutputs['hive']['bots'];
type Warning = BotsHealth['warnings'][number];

/** `41s`, `3m 05s`, `2h 10m`, `3d 4h`: how long, for a person. */
export function formatAge(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** What a warning is about: the task, else the bee, else the bot. */
function subject(w: Warning): string {
  if (w.task_id) return `task ${w.task_id}`;
  if (w.bee) return `bee ${w.bee}`;
  return w.bot_id ? `bot ${w.bot_id}` : '-';
}

export function formatWarnings(warnings: readonly Warning[]): string {
  return table(
    ['CODE', 'WHAT', 'MESSAGE'],
    warnings.map((w) => [w.code, subject(w), w.message]),
  );
}

export function formatBotsHealth(health: BotsHealth): string {
  const bots = health.bots.length
    ? table(
        ['BOT', 'WAITING', 'OLDEST WAIT', 'IN PROGRESS', 'BLOCKED', 'HELD', 'PAUSED', 'LIVE BEES', 'LAST RESPONSE'],
        health.bots.map((b) => [
          b.bot_id,
          String(b.waiting),
          b.oldest_waiting_s === null ? '-' : formatAge(b.oldest_waiting_s),
          String(b.in_progress),
          String(b.blocked),
          String(b.held),
          yesNo(b.paused),
          String(b.live_bees),
          b.last_response_at ? localDateTime(b.last_response_at) : '-',
        ]),
      )
    : 'No bots yet: no task has been dispatched and no bee has announced itself.';
  const bees = health.bees.length
    ? table(
        ['BEE', 'BOTS', 'HOST', 'PID', 'VIA', 'LIVE', 'HEARTBEAT', 'TASK'],
        health.bees.map((b) => [
          b.bee,
          b.bots.join(','),
          b.host,
          b.pid === null ? '-' : String(b.pid),
          b.via,
          yesNo(b.live),
          `${formatAge(b.heartbeat_age_s)} ago`,
          b.current_task ?? '-',
        ]),
      )
    : 'No bee has announced itself (.deia/hive/bees/ is empty).';
  const warnings = health.warnings.length ? formatWarnings(health.warnings) : 'No warnings.';
  return [`Bots\n\n${bots}`, `Bees\n\n${bees}`, `Warnings\n\n${warnings}`].join('\n\n');
}
