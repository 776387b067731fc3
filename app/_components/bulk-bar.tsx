'use client';
/**
 * One action on many tasks: the rows selected, or every task matching the list's filter
 * (counted by the server before anything is confirmed). The dialog names the count and
 * what will happen; once started, the job's progress is followed live to its end, with
 * each failure and why.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState } from 'react';
import type { BulkInput } from '@/server/contracts/actions';
import { BotIdSchema } from '@/server/contracts/ids';
import { useTRPC } from '../_trpc/client';
import { ConfirmDialog } from './dialog';

type Action = BulkInput['action'];
type Filter = NonNullable<BulkInput['filter']>;

const VERBS: Record<Action, string> = { cancel: 'Cancel', retry: 'Retry', reassign: 'Reassign', reclaim: 'Reclaim' };

const EFFECTS: Record<Action, (bot: string) => string> = {
  cancel: () =>
    'Each task no bee has claimed leaves its inbox at once (cancelled); each claimed one is asked to stop (cancelling). Tasks already finished are refused and listed.',
  retry: () =>
    'Each completed, cancelled or blocked task is dispatched again as a new task, its next attempt. Tasks still open are refused and listed.',
  reassign: (bot) =>
    `Each task no bee has claimed moves to ${bot}’s inbox. Claimed or finished tasks are refused and listed.`,
  reclaim: () =>
    'Each task claimed by a bee that is not live goes back to waiting for a live bee. The others are refused and listed.',
};

const plural = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'task' : 'tasks'}`;

export function BulkBar(props: {
  selectedIds: readonly string[];
  filter: Filter;
  filtered: boolean;
  onStarted: () => void;
}) {
  const trpc = useTRPC();
  const id = useId();
  const { selectedIds, filter, filtered } = props;
  const [wantScope, setScope] = useState<'selected' | 'filter'>('selected');
  const scope = selectedIds.length === 0 ? 'filter' : !filtered ? 'selected' : wantScope;
  const [pending, setPending] = useState<{ action: Action; bot: string } | null>(null);
  const [target, setTarget] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [bulkId, setBulkId] = useState<string | null>(null);
  const count = useQuery(trpc.tasks.count.queryOptions(filter, { enabled: filtered }));
  const start = useMutation(
    trpc.bulk.start.mutationOptions({
      onSuccess: (result) => {
        setPending(null);
        setBulkId(result.bulk_id);
        props.onStarted();
      },
    }),
  );

  const ask = (action: Action) => {
    let bot = '';
    if (action === 'reassign') {
      const parsed = BotIdSchema.safeParse(target.trim());
      if (!parsed.success) {
        setProblem(`Reassign to: ${parsed.error.issues[0]?.message ?? 'name a bot'}`);
        return;
      }
      bot = parsed.data;
    }
    setProblem(null);
    start.reset();
    // The number in the dialog is the server's count as of now, not of when the page loaded.
    if (scope === 'filter') void count.refetch();
    setPending({ action, bot });
  };

  const n = scope === 'selected' ? selectedIds.length : count.data;
  const confirm = () => {
    if (!pending) return;
    const bot = pending.action === 'reassign' ? { bot_id: pending.bot } : {};
    start.mutate(
      scope === 'selected'
        ? { action: pending.action, ids: [...selectedIds], ...bot }
        : { action: pending.action, filter, ...bot },
    );
  };
  const visible = selectedIds.length > 0 || filtered;

  return (
    <>
      {visible && (
        <div className="bulk-bar" role="group" aria-label="Act on many tasks" data-testid="bulk-bar">
          {selectedIds.length > 0 && filtered ? (
            <fieldset className="scope">
              <legend className="sr-only">Apply to</legend>
              <label className="checkbox">
                <input
                  type="radio"
                  name={`${id}-scope`}
                  checked={scope === 'selected'}
                  onChange={() => setScope('selected')}
                />
                the {plural(selectedIds.length)} selected
              </label>
              <label className="checkbox">
                <input
                  type="radio"
                  name={`${id}-scope`}
                  checked={scope === 'filter'}
                  onChange={() => setScope('filter')}
                />
                all {count.data === undefined ? '' : `${count.data.toLocaleString('en-US')} `}matching this filter
              </label>
            </fieldset>
          ) : (
            <span className="scope" data-testid="bulk-scope">
              {scope === 'selected'
                ? `${plural(selectedIds.length)} selected`
                : `All ${count.data === undefined ? '…' : plural(count.data)} matching this filter`}
            </span>
          )}
          <span className="bulk-actions">
            <button type="button" className="small danger" onClick={() => ask('cancel')}>
              Cancel…
            </button>
            <button type="button" className="small" onClick={() => ask('retry')}>
              Retry…
            </button>
            <button type="button" className="small" onClick={() => ask('reclaim')}>
              Reclaim…
            </button>
            <span className="reassign">
              <label htmlFor={`${id}-target`} className="sr-only">
                Reassign to
              </label>
              <input
                id={`${id}-target`}
                value={target}
                size={10}
                placeholder="reassign to…"
                onChange={(e) => setTarget(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') ask('reassign');
                }}
              />
              <button type="button" className="small" onClick={() => ask('reassign')}>
                Reassign…
              </button>
            </span>
          </span>
          {problem && (
            <p className="field-error" role="alert">
              {problem}
            </p>
          )}
        </div>
      )}
      <ConfirmDialog
        open={pending !== null}
        title={
          pending
            ? `${VERBS[pending.action]} ${n === undefined ? 'the matching tasks' : plural(n)}${pending.action === 'reassign' ? ` to ${pending.bot}` : ''}?`
            : ''
        }
        confirmLabel={pending ? `${VERBS[pending.action]} ${n === undefined ? '' : plural(n)}`.trim() : ''}
        danger={pending?.action === 'cancel'}
        pending={start.isPending || (scope === 'filter' && count.isFetching)}
        confirmDisabled={n === 0}
        error={start.error?.message}
        onClose={() => setPending(null)}
        onConfirm={confirm}
        testId="bulk-dialog"
      >
        {pending && (
          <>
            <p data-testid="bulk-count">
              {scope === 'selected'
                ? `The ${plural(selectedIds.length)} you selected.`
                : count.data === undefined
                  ? 'Counting the tasks that match this filter…'
                  : `${plural(count.data)} match this filter now. The set is fixed when the action starts: tasks that match later are left alone.`}
            </p>
            <p>{EFFECTS[pending.action](pending.bot)}</p>
          </>
        )}
      </ConfirmDialog>
      {bulkId && <BulkProgress bulkId={bulkId} onDismiss={() => setBulkId(null)} />}
    </>
  );
}

function BulkProgress({ bulkId, onDismiss }: { bulkId: string; onDismiss: () => void }) {
  const trpc = useTRPC();
  // The tasks' own events refetch it too (live-provider); the poll covers a quiet stream.
  const status = useQuery(
    trpc.bulk.status.queryOptions(
      { bulk_id: bulkId },
      { refetchInterval: (query) => (query.state.data?.state === 'running' ? 500 : false), staleTime: 0 },
    ),
  );
  const job = status.data;
  return (
    <section className="bulk-progress" aria-label="Bulk action" data-testid="bulk-progress" data-state={job?.state}>
      {job ? (
        <>
          <p role="status" data-testid="bulk-summary">
            {VERBS[job.action]}:{' '}
            {job.state === 'running'
              ? `${job.done + job.failed} of ${plural(job.matched)} (${job.done} done, ${job.failed} failed)`
              : `${job.state === 'finished' ? 'finished' : 'interrupted'}, ${job.done} of ${plural(job.matched)} done, ${job.failed} failed`}
          </p>
          <progress max={Math.max(1, job.matched)} value={job.matched === 0 ? 1 : job.done + job.failed}>
            {job.done + job.failed} of {job.matched}
          </progress>
          {job.errors.length > 0 && (
            <ul className="failures" data-testid="bulk-failures" aria-label="Failures">
              {job.errors.map((e) => (
                <li key={e.task_id} data-task-id={e.task_id}>
                  <Link href={`/tasks/${e.task_id}`}>{e.task_id}</Link>: {e.message}
                </li>
              ))}
              {job.failed > job.errors.length && <li>… and {job.failed - job.errors.length} more</li>}
            </ul>
          )}
        </>
      ) : status.isError ? (
        <p className="field-error" role="alert">
          Could not follow the bulk action: {status.error.message}
        </p>
      ) : (
        <p>Starting…</p>
      )}
      {job?.state !== 'running' && (
        <button type="button" className="small secondary" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </section>
  );
}
