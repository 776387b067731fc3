/**
 * Pausing a bot (DESIGN §7): while paused, its dispatches are recorded and held in
 * `held/{bot_id}/` rather than its inbox; on resume they go to the inbox in the order they
 * were dispatched. The pause is a ledger event, so it survives a restart.
 */
import path from 'node:path';
import type { PauseResult } from '../../contracts/actions';
import { moveNoClobber } from '../atomic-write';
import type { HiveParts } from '../hive-parts';
import { relativeToRoot } from '../hive-paths';
import { realFolder, taskFilePath } from '../task-files';
import { inTurn } from './turn';

/** Pause and resume of one bot take turns, like actions on one task. */
const botTurn = (botId: string) => `bot:${botId}`;

function result(parts: HiveParts, botId: string): PauseResult {
  const row = parts.bots.get(botId);
  return { bot_id: botId, paused: row?.paused === 1, held: row?.held ?? 0 };
}

export function pauseBot(parts: HiveParts, botId: string, actor: string): Promise<PauseResult> {
  return inTurn(parts, botTurn(botId), async () => {
    if (!parts.bots.isPaused(botId)) {
      await parts.ledger.append({ event_type: 'bot_paused', task_id: null, actor, data: { bot_id: botId } });
    }
    return result(parts, botId);
  });
}

export function resumeBot(parts: HiveParts, botId: string, actor: string): Promise<PauseResult> {
  return inTurn(parts, botTurn(botId), async () => {
    if (parts.bots.isPaused(botId)) {
      await parts.ledger.append({ event_type: 'bot_resumed', task_id: null, actor, data: { bot_id: botId } });
    }
    // Oldest first, so the bees take them in the order they were dispatched.
    for (const row of parts.view.inState('held').filter((r) => r.bot_id === botId)) {
      await releaseHeld(parts, row.task_id, actor);
    }
    return result(parts, botId);
  });
}

/** Moves a held task into its bot's inbox (in the task's turn); nothing when it is not held or its bot is paused. */
export function releaseHeld(parts: HiveParts, taskId: string, actor: string): Promise<void> {
  return inTurn(parts, taskId, async () => {
    const row = parts.view.get(taskId);
    const ref = parts.tasks.get(taskId);
    if (row?.state !== 'held' || ref?.location !== 'held' || parts.bots.isPaused(row.bot_id)) return;
    const inbox = { ...ref, location: 'tasks' as const };
    const to = taskFilePath(parts.paths, inbox);
    await realFolder(path.dirname(to), `tasks/${ref.botId}`);
    await moveNoClobber(taskFilePath(parts.paths, ref), to);
    parts.tasks.set(inbox);
    await parts.ledger.append({
      event_type: 'task_released',
      task_id: taskId,
      actor,
      data: { bot_id: row.bot_id, task_path: relativeToRoot(parts.paths, to) },
    });
  });
}
