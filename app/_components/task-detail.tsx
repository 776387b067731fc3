'use client';
/**
 * One task, live: where delivery stands and since when, its lineage both ways, the actions
 * that apply to it now, its fields and why it was routed there, its ledger timeline and the
 * response preview.
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { isDatabaseLocator } from '@/server/contracts/task';
import { useTRPC } from '../_trpc/client';
import { Age } from './age';
import { LongText } from './long-text';
import { SafeMarkdown } from './safe-markdown';
import { StateBadge, STATE_HINTS } from './state-badge';
import { StatusBadge } from './status-badge';
import { TaskActions } from './task-actions';
import { Timeline } from './timeline';
import { useHiveHealth } from './use-hive-health';

export function TaskDetail({ taskId }: { taskId: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.tasks.detail.queryOptions({ task_id: taskId }));
  const timeline = useQuery(trpc.tasks.timeline.queryOptions({ task_id: taskId }));
  const health = useHiveHealth();

  if (detail.isPending) return <p className="empty">Loading {taskId}…</p>;
  if (detail.isError) {
    return (
      <section className="panel">
        <h1>{taskId}</h1>
        <p className="empty error" role="alert">
          {detail.error.data?.code === 'NOT_FOUND'
            ? 'There is no such task in this hive. Check the id, or go back to the task list.'
            : `Could not load the task: ${detail.error.message}`}
        </p>
        <Link href="/">← All tasks</Link>
      </section>
    );
  }

  const { row, task, task_warning, response } = detail.data;
  // Without a ledger row (a stray file) only the file's status is known; same rule as the list otherwise.
  const status =
    row?.status === 'blocked' ? 'blocked' : response ? 'completed' : (row?.status ?? task?.status ?? 'unknown');
  const createdAt = row?.created_at ?? task?.created_at;
  const routing = task?.routing ?? (row ? { rule: row.rule, source: row.routing_source } : null);
  const retriedFrom = row?.retried_from ?? task?.retried_from ?? null;
  const warnings = health.data?.warnings.filter((w) => w.task_id === taskId) ?? [];
  return (
    <div className="detail">
      <p>
        <Link href="/">← All tasks</Link>
      </p>
      <header className="detail-head">
        <h1>
          <code>{taskId}</code>
        </h1>
        {row ? <StateBadge state={row.state} /> : <StatusBadge status={status} />}
        {row && (
          <span className="muted" title={STATE_HINTS[row.state]}>
            since <Age iso={row.state_since} tickMs={1_000} />
          </span>
        )}
      </header>
      {(retriedFrom || row?.retried_by) && (
        <p className="lineage">
          {retriedFrom && (
            <span data-testid="retry-of">
              Retry of <Link href={`/tasks/${retriedFrom}`}>{retriedFrom}</Link>
              {task?.attempt ? ` (attempt ${task.attempt})` : ''}
            </span>
          )}
          {retriedFrom && row?.retried_by && ' · '}
          {row?.retried_by && (
            <span data-testid="retried-as">
              Retried as <Link href={`/tasks/${row.retried_by}`}>{row.retried_by}</Link>
            </span>
          )}
        </p>
      )}
      {warnings.map((w) => (
        <p key={w.code} className="warning-banner" role="alert" data-testid="task-warning" data-code={w.code}>
          <strong>{w.code === 'stale_claim' ? 'Stale claim' : 'Running long'}:</strong> {w.message}
        </p>
      ))}
      {task_warning && (
        <p className="field-error" role="alert">
          {task_warning}
        </p>
      )}
      {row && <TaskActions row={row} task={task} />}
      <div className="grid">
        <section className="panel" aria-labelledby="fields-heading">
          <h2 id="fields-heading">{task?.title ?? row?.title}</h2>
          <dl className="fields">
            <dt>Intent</dt>
            <dd>{task?.intent ?? row?.intent}</dd>
            <dt>Bot</dt>
            <dd data-testid="bot">{row?.bot_id ?? task?.bot_id}</dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={status} />
            </dd>
            <dt>Lane / provider / delivery</dt>
            <dd data-testid="route">
              {task?.lane ?? row?.lane} / {task?.provider ?? row?.provider} /{' '}
              {task?.delivery_mode ?? row?.delivery_mode}
            </dd>
            <dt>Why</dt>
            <dd data-testid="why">
              {routing ? (
                <>
                  rule <code>{routing.rule}</code> of the{' '}
                  {routing.source === 'default' ? 'built-in default table' : routing.source}
                </>
              ) : (
                'unknown'
              )}
            </dd>
            {row?.claimed_by && (
              <>
                <dt>Claimed by</dt>
                <dd data-testid="claimed-by">
                  {row.claimed_by_bee ? `${row.claimed_by_bee} (bot ${row.claimed_by})` : row.claimed_by}
                </dd>
              </>
            )}
            {row && row.attempt > 0 && (
              <>
                <dt>Claims</dt>
                <dd>{row.attempt}</dd>
              </>
            )}
            {task?.kb_entities.length ? (
              <>
                <dt>KB entities</dt>
                <dd>{task.kb_entities.join(', ')}</dd>
              </>
            ) : null}
            <dt>Created</dt>
            <dd>
              {createdAt ? (
                <>
                  <Age iso={createdAt} /> ago
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>{row && isDatabaseLocator(row.task_path) ? 'Stored at' : 'Task file'}</dt>
            <dd>
              <code>{row?.task_path}</code>
            </dd>
            <dt>History</dt>
            <dd>
              {/* Same-origin, so the session cookie rides along; the file is the task's whole story. */}
              <a href={`/api/tasks/${encodeURIComponent(taskId)}/export`} download={`${taskId}-history.json`}>
                Export history (JSON)
              </a>
            </dd>
          </dl>
          {task?.summary && <LongText text={task.summary} className="summary" />}
        </section>

        <section className="panel" aria-labelledby="timeline-heading">
          <h2 id="timeline-heading">Timeline</h2>
          {timeline.data?.events.length ? (
            <Timeline events={timeline.data.events} />
          ) : (
            <p className="empty">No ledger events yet.</p>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="response-heading">
        <h2 id="response-heading">Response</h2>
        {response ? (
          <>
            <p className="muted">
              <code>{response.response_path}</code> (first 1000 characters)
            </p>
            <SafeMarkdown>{response.content}</SafeMarkdown>
          </>
        ) : (
          <p className="empty" data-testid="no-response">
            No response yet. It appears here the moment a bee answers
            {row && isDatabaseLocator(row.task_path) ? (
              '.'
            ) : (
              <>
                {' '}
                (a file bee writes <code>.deia/hive/responses/…{taskId}….md</code>).
              </>
            )}
          </p>
        )}
      </section>
    </div>
  );
}
