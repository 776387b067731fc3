/** Human-readable replies of the operator actions: cancel, retry, reassign, reclaim, pause and resume. */
import type { RouterOutputs } from './client';
import { formatDispatch } from './format';
import { keyValues } from './output';

type Outputs = RouterOutputs;

export function formatCancel(r: Outputs['tasks']['cancel']): string {
  return keyValues([
    ['task', r.task_id],
    ['state', r.state],
  ]);
}

export function formatRetry(r: Outputs['tasks']['retry']): string {
  return formatDispatch(r, [
    ['retry of', r.retried_from],
    ['attempt', String(r.attempt)],
  ]);
}

export function formatReassign(r: Outputs['tasks']['reassign']): string {
  return keyValues([
    ['task', r.task_id],
    ['from', r.from_bot],
    ['to', r.to_bot],
    ['state', r.state],
    ['task path', r.task_path],
    ...(r.dry_run ? [['dry run', 'nothing was moved'] as const] : []),
    ...r.warnings.map((w) => ['warning', `${w.code}: ${w.message}`] as const),
  ]);
}

export function formatReclaim(r: Outputs['tasks']['reclaim']): string {
  return keyValues([
    ['task', r.task_id],
    ['state', r.state],
    ['next attempt', String(r.attempt)],
  ]);
}

export function formatPause(r: Outputs['bots']['pause']): string {
  return keyValues([
    ['bot', r.bot_id],
    ['paused', r.paused ? 'yes' : 'no'],
    ['held', String(r.held)],
  ]);
}
