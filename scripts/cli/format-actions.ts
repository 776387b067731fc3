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

type BulkStatus = Outputs['bulk']['status'];

/** `cancel: 312/500 done, 0 failed`: the progress line of a bulk action. */
export function bulkProgress(s: BulkStatus): string {
  return `${s.action}: ${s.done}/${s.matched} done, ${s.failed} failed`;
}

const FAILURES_SHOWN = 10;

export function formatBulkStatus(s: BulkStatus): string {
  const summary = keyValues([
    ['bulk', s.bulk_id],
    ['action', s.action],
    ['state', s.state],
    ['matched', String(s.matched)],
    ['done', String(s.done)],
    ['failed', String(s.failed)],
  ]);
  if (s.errors.length === 0) return summary;
  const shown = s.errors.slice(0, FAILURES_SHOWN);
  const more = s.failed - shown.length;
  return [
    summary,
    '',
    `First failures:`,
    ...shown.map((e) => `  ${e.task_id}  ${e.code}  ${e.message}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
  ].join('\n');
}
