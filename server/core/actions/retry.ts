/**
 * Retry as a new task (DESIGN §7): what the operator edits, over what the old task asked,
 * routed afresh. The new task file says it retries the old one, which attempt it is, and
 * how the previous attempt ended, so the bee knows why it is being asked again; the old
 * task records its retry, so the lineage reads both ways.
 */
import type { RetryInput, RetryResult } from '../../contracts/actions';
import { RunTaskInputSchema } from '../../contracts/task';
import { FINAL_STATES } from '../../contracts/task-state';
import { HiveError } from '../errors';
import type { CoreParts } from '../hive-parts';
import { conflict, inTurn, requireTask } from './turn';

const PREVIEW = 500;

export function retryTask(parts: CoreParts, taskId: string, edits: RetryInput, actor: string): Promise<RetryResult> {
  return inTurn(parts, taskId, async () => {
    const row = requireTask(parts, taskId);
    if (!FINAL_STATES.has(row.state) && row.state !== 'blocked') {
      throw conflict(`${taskId} is still ${row.state.replace('_', ' ')}; cancel it first, then retry it.`);
    }
    const events = parts.ledger.forTask(taskId);
    const asked = events.find((e) => e.event_type === 'task_execution_started')?.data ?? {};
    const ended = [...events]
      .reverse()
      .find((e) => e.event_type === 'task_cancelled' || e.event_type === 'task_cancel_requested');
    const response = await parts.executor.checkResponse(taskId);
    const attempt = (typeof asked.attempt === 'number' ? asked.attempt : 1) + 1;
    const parsed = RunTaskInputSchema.safeParse({
      intent: edits.intent ?? asked.intent,
      title: edits.title ?? asked.title,
      summary: edits.summary ?? asked.summary ?? '',
      bot_id: edits.bot_id ?? row.bot_id,
      kb_entities: edits.kb_entities ?? asked.kb_entities ?? [],
    });
    if (!parsed.success) {
      throw new HiveError(
        'CONFLICT',
        `${taskId}'s recorded request cannot be dispatched again as it was; give the fields to use.`,
      );
    }
    const [outcome] = await parts.executor.dispatch(
      [
        {
          input: parsed.data,
          lineage: {
            retried_from: taskId,
            attempt,
            previous_outcome: {
              state: row.state,
              status: row.status,
              reason: typeof ended?.data.reason === 'string' ? ended.data.reason : (edits.reason ?? null),
              response_path: response?.response_path ?? row.response_path,
              response_preview: response ? Array.from(response.content).slice(0, PREVIEW).join('') : null,
            },
          },
        },
      ],
      actor,
    );
    if (!outcome || outcome instanceof HiveError)
      throw outcome ?? new HiveError('INTERNAL', 'The retry was not dispatched.');
    await parts.ledger.append({
      event_type: 'task_retried',
      task_id: taskId,
      actor,
      data: { retry_task_id: outcome.task_id, attempt, reason: edits.reason ?? null },
    });
    return { ...outcome, retried_from: taskId, attempt };
  });
}
