'use client';
/** One task, live: its fields, why it was routed there, its ledger timeline and the response preview. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../_trpc/client';
import { Age } from './age';
import { SafeMarkdown } from './safe-markdown';
import { StatusBadge } from './status-badge';

export function TaskDetail({ taskId }: { taskId: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.tasks.detail.queryOptions({ task_id: taskId }));
  const timeline = useQuery(trpc.tasks.timeline.queryOptions({ task_id: taskId }));

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
  // Same rule as the list: a blocked task stays blocked even after its failure report lands.
  const status =
    row?.status === 'blocked' ? 'blocked' : response ? 'completed' : (row?.status ?? task?.status ?? 'unknown');
  const createdAt = row?.created_at ?? task?.created_at;
  const routing = task?.routing ?? (row ? { rule: row.rule, source: row.routing_source } : null);
  return (
    <div className="detail">
      <p>
        <Link href="/">← All tasks</Link>
      </p>
      <header className="detail-head">
        <h1>
          <code>{taskId}</code>
        </h1>
        <StatusBadge status={status} />
      </header>
      {task_warning && (
        <p className="field-error" role="alert">
          {task_warning}
        </p>
      )}
      <div className="grid">
        <section className="panel" aria-labelledby="fields-heading">
          <h2 id="fields-heading">{task?.title ?? row?.title}</h2>
          <dl className="fields">
            <dt>Intent</dt>
            <dd>{task?.intent ?? row?.intent}</dd>
            <dt>Bot</dt>
            <dd>{task?.bot_id ?? row?.bot_id}</dd>
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
                <dd>{row.claimed_by}</dd>
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
            <dt>Task file</dt>
            <dd>
              <code>{row?.task_path}</code>
            </dd>
          </dl>
          {task?.summary && <p className="summary">{task.summary}</p>}
        </section>

        <section className="panel" aria-labelledby="timeline-heading">
          <h2 id="timeline-heading">Timeline</h2>
          {timeline.data?.events.length ? (
            <ol className="timeline" data-testid="timeline">
              {timeline.data.events.map((event) => (
                <li key={event.id}>
                  <code>{event.event_type}</code>
                  <span className="muted">
                    {event.since_previous_ms === null ? ' start' : ` +${event.since_previous_ms} ms`} · {event.actor}
                  </span>
                </li>
              ))}
            </ol>
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
            No response yet. It appears here the moment a bee writes <code>.deia/hive/responses/…{taskId}….md</code>.
          </p>
        )}
      </section>
    </div>
  );
}
