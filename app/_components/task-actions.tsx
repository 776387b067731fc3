'use client';
/**
 * A task's operator actions (DESIGN §7), each offered only while it can apply: Cancel
 * (not finished), Retry (completed, cancelled or blocked; the fields can be edited first),
 * Reassign (no bee has claimed it; a dry run shows where it would go and any warning
 * first), Reclaim (its claim belongs to a bee that is not live). Every one asks in a
 * dialog that says what will happen; the server still has the last word (a 409 says why).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import type { ReassignResult } from '@/server/contracts/actions';
import type { HealthWarning } from '@/server/contracts/health';
import { BotIdSchema } from '@/server/contracts/ids';
import type { TaskRow } from '@/server/contracts/task-list';
import { CLAIMED_STATES, FINAL_STATES } from '@/server/contracts/task-state';
import type { TaskFile } from '@/server/contracts/task';
import { useTRPC } from '../_trpc/client';
import { ConfirmDialog } from './dialog';
import { formText } from './form-data';
import { STATE_LABELS } from './state-badge';
import { useHiveHealth } from './use-hive-health';

type Notify = (message: string) => void;

function useRefresh() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries(trpc.tasks.pathFilter());
    void queryClient.invalidateQueries(trpc.hive.bots.pathFilter());
  };
}

/** Who holds a claimed task, in words. */
const holderOf = (row: TaskRow) => row.claimed_by_bee ?? (row.claimed_by ? `a bee of ${row.claimed_by}` : 'a bee');

export function TaskActions({ row, task }: { row: TaskRow; task: TaskFile | null }) {
  const health = useHiveHealth();
  const [notice, setNotice] = useState<string | null>(null);
  const stale = health.data?.warnings.find((w) => w.code === 'stale_claim' && w.task_id === row.task_id);
  const finished = FINAL_STATES.has(row.state) || row.completed_at !== null;
  const can = {
    cancel: !finished && row.state !== 'cancelling',
    retry: row.state === 'completed' || row.state === 'cancelled' || row.state === 'blocked',
    reassign: row.state === 'waiting' || row.state === 'held',
    reclaim: stale !== undefined && !finished,
  };
  return (
    <div className="task-actions">
      <div className="actions" role="group" aria-label="Actions on this task">
        {can.cancel && <CancelAction row={row} notify={setNotice} />}
        {can.retry && <RetryAction row={row} task={task} />}
        {can.reassign && (
          <ReassignAction row={row} knownBots={health.data?.bots.map((b) => b.bot_id) ?? []} notify={setNotice} />
        )}
        {can.reclaim && <ReclaimAction row={row} warning={stale} notify={setNotice} />}
      </div>
      <p role="status" className="notice" data-testid="action-notice">
        {notice}
      </p>
    </div>
  );
}

function CancelAction({ row, notify }: { row: TaskRow; notify: Notify }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const id = useId();
  const cancel = useMutation(
    trpc.tasks.cancel.mutationOptions({
      onSuccess: (result) => {
        setOpen(false);
        notify(
          result.state === 'cancelled'
            ? `${result.task_id} is cancelled.`
            : `${result.task_id} is cancelling: ${holderOf(row)} was asked to stop.`,
        );
      },
      onSettled: refresh,
    }),
  );
  const claimed = CLAIMED_STATES.has(row.state) || row.claimed_by !== null;
  return (
    <>
      <button
        type="button"
        className="danger"
        onClick={() => {
          cancel.reset();
          setOpen(true);
        }}
      >
        Cancel task…
      </button>
      <ConfirmDialog
        open={open}
        title={`Cancel ${row.task_id}?`}
        confirmLabel="Cancel the task"
        danger
        pending={cancel.isPending}
        error={cancel.error?.message}
        onClose={() => setOpen(false)}
        onConfirm={(form) =>
          cancel.mutate({ task_id: row.task_id, reason: formText(form, 'reason').trim() || undefined })
        }
        testId="cancel-dialog"
      >
        {claimed ? (
          <p>
            <strong>{holderOf(row)}</strong> holds it ({STATE_LABELS[row.state]}). It is asked to stop (a bee over HTTP
            hears it in its next heartbeat&apos;s reply; a file bee sees <code>.deia/hive/cancels/{row.task_id}</code>)
            and ends the whole command. The task reads <strong>cancelling</strong> until the bee acknowledges, then{' '}
            <strong>cancelled</strong>; if its bee is not live, it is cancelled at once.
          </p>
        ) : (
          <p>
            No bee has claimed it. It leaves {row.state === 'held' ? 'the held tasks of ' : 'the inbox of '}
            <code>{row.bot_id}</code> at once, no bee can take it afterwards, and it reads <strong>cancelled</strong>.
          </p>
        )}
        <label htmlFor={`${id}-reason`}>Reason (optional, recorded in the ledger)</label>
        <input id={`${id}-reason`} name="reason" maxLength={2000} />
      </ConfirmDialog>
    </>
  );
}

function RetryAction({ row, task }: { row: TaskRow; task: TaskFile | null }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const id = useId();
  const retry = useMutation(
    trpc.tasks.retry.mutationOptions({
      onSuccess: (result) => {
        setOpen(false);
        router.push(`/tasks/${result.task_id}`);
      },
      onSettled: refresh,
    }),
  );
  const original = {
    intent: task?.intent ?? row.intent,
    title: task?.title ?? row.title,
    summary: task?.summary ?? '',
    bot_id: task?.bot_id ?? row.bot_id,
  };
  const attempt = (task?.attempt ?? 1) + 1;

  function onConfirm(form: HTMLFormElement) {
    // Only what was edited is sent: the server takes the rest from the task retried, so a
    // megabyte summary left as it was never travels back.
    const edited = (name: keyof typeof original) => {
      const value = formText(form, name);
      const trimmed = name === 'summary' ? value : value.trim();
      if (name === 'summary' && !task && trimmed === '') return undefined;
      return trimmed !== original[name] ? trimmed : undefined;
    };
    retry.mutate({
      task_id: row.task_id,
      intent: edited('intent'),
      title: edited('title'),
      summary: edited('summary'),
      bot_id: edited('bot_id'),
      reason: formText(form, 'reason').trim() || undefined,
    });
  }

  const fields = retry.error?.data?.fields ?? null;
  return (
    <>
      <button
        type="button"
        onClick={() => {
          retry.reset();
          setOpen(true);
        }}
      >
        Retry…
      </button>
      <ConfirmDialog
        open={open}
        title={`Retry ${row.task_id}`}
        confirmLabel={`Retry as attempt ${attempt}`}
        pending={retry.isPending}
        error={retry.error && !fields ? retry.error.message : null}
        onClose={() => setOpen(false)}
        onConfirm={onConfirm}
        testId="retry-dialog"
      >
        <p>
          A <strong>new task</strong> is dispatched, routed afresh, as attempt {attempt}: its file says which task it
          retries and how that one ended ({STATE_LABELS[row.state]}). This task stays as it is. Edit what should change.
        </p>
        <div className="row">
          <div>
            <label htmlFor={`${id}-intent`}>Intent</label>
            <input id={`${id}-intent`} name="intent" defaultValue={original.intent} />
            <FieldError fields={fields} name="intent" />
          </div>
          <div>
            <label htmlFor={`${id}-bot`}>Bot</label>
            <input id={`${id}-bot`} name="bot_id" defaultValue={original.bot_id} />
            <FieldError fields={fields} name="bot_id" />
          </div>
        </div>
        <label htmlFor={`${id}-title`}>Title</label>
        <input id={`${id}-title`} name="title" defaultValue={original.title} maxLength={200} />
        <FieldError fields={fields} name="title" />
        <label htmlFor={`${id}-summary`}>Summary</label>
        <textarea
          id={`${id}-summary`}
          name="summary"
          rows={6}
          defaultValue={original.summary}
          placeholder={task ? undefined : 'The task file cannot be read: leave empty to keep the recorded summary'}
        />
        <FieldError fields={fields} name="summary" />
        <label htmlFor={`${id}-reason`}>Reason (optional)</label>
        <input id={`${id}-reason`} name="reason" maxLength={2000} />
      </ConfirmDialog>
    </>
  );
}

function FieldError({ fields, name }: { fields: Record<string, string[]> | null; name: string }) {
  const messages = fields?.[name];
  if (!messages) return null;
  return (
    <p className="field-error" role="alert">
      {messages.join('; ')}
    </p>
  );
}

function ReassignAction({ row, knownBots, notify }: { row: TaskRow; knownBots: string[]; notify: Notify }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState('');
  const [preview, setPreview] = useState<ReassignResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();
  const dryRun = useMutation(trpc.tasks.reassign.mutationOptions({ onSuccess: setPreview }));
  const reassign = useMutation(
    trpc.tasks.reassign.mutationOptions({
      onSuccess: (result) => {
        setOpen(false);
        notify(`${result.task_id} moved from ${result.from_bot} to ${result.to_bot}: ${result.state}.`);
      },
      onSettled: refresh,
    }),
  );
  const bot = target.trim();
  const checked = preview !== null && preview.to_bot === bot;

  function onConfirm() {
    const parsed = BotIdSchema.safeParse(bot);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Name a bot.');
      return;
    }
    setProblem(null);
    // First a dry run, so the operator sees where it goes and what is wrong there; then the move.
    if (!checked) dryRun.mutate({ task_id: row.task_id, bot_id: parsed.data, dry_run: true });
    else reassign.mutate({ task_id: row.task_id, bot_id: parsed.data });
  }

  return (
    <>
      <button
        type="button"
        onClick={() => {
          setTarget('');
          setPreview(null);
          setProblem(null);
          dryRun.reset();
          reassign.reset();
          setOpen(true);
        }}
      >
        Reassign…
      </button>
      <ConfirmDialog
        open={open}
        title={`Reassign ${row.task_id}`}
        confirmLabel={checked ? `Reassign to ${bot}` : 'Check the move'}
        pending={dryRun.isPending || reassign.isPending}
        error={problem ?? dryRun.error?.message ?? reassign.error?.message}
        onClose={() => setOpen(false)}
        onConfirm={onConfirm}
        testId="reassign-dialog"
      >
        <p>
          Moves the task from <code>{row.bot_id}</code>’s inbox to another bot’s, before any bee claims it. A bee that
          claims it first wins, and the move is refused.
        </p>
        <label htmlFor={`${id}-bot`}>Move to bot</label>
        <input
          id={`${id}-bot`}
          name="bot_id"
          value={target}
          list={`${id}-bots`}
          autoComplete="off"
          onChange={(e) => setTarget(e.target.value)}
        />
        <datalist id={`${id}-bots`}>
          {knownBots
            .filter((b) => b !== row.bot_id)
            .map((b) => (
              <option key={b} value={b} />
            ))}
        </datalist>
        {checked && (
          <div className="preview" data-testid="reassign-preview">
            <p>
              It would go to <code>{preview.task_path}</code> and read <strong>{preview.state}</strong>
              {preview.state === 'held' ? ` (${preview.to_bot} is paused)` : ''}.
            </p>
            {preview.warnings.length > 0 && (
              <ul className="warnings" data-testid="reassign-warnings">
                {preview.warnings.map((w) => (
                  <li key={w.code + (w.bot_id ?? '')} data-code={w.code}>
                    <span className="badge warning-code">warning</span> {w.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </ConfirmDialog>
    </>
  );
}

function ReclaimAction({ row, warning, notify }: { row: TaskRow; warning: HealthWarning | undefined; notify: Notify }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const reclaim = useMutation(
    trpc.tasks.reclaim.mutationOptions({
      onSuccess: (result) => {
        setOpen(false);
        notify(`${result.task_id} is ${result.state} again; the next claim is attempt ${result.attempt}.`);
      },
      onSettled: refresh,
    }),
  );
  return (
    <>
      <button
        type="button"
        onClick={() => {
          reclaim.reset();
          setOpen(true);
        }}
      >
        Reclaim…
      </button>
      <ConfirmDialog
        open={open}
        title={`Reclaim ${row.task_id}?`}
        confirmLabel="Release the claim"
        pending={reclaim.isPending}
        error={reclaim.error?.message}
        onClose={() => setOpen(false)}
        onConfirm={() => reclaim.mutate({ task_id: row.task_id })}
        testId="reclaim-dialog"
      >
        <p>
          <strong>{holderOf(row)}</strong> claimed it and is not live{warning ? `: ${warning.message}` : '.'}
        </p>
        <p>
          Its claim is released: the task goes back to <strong>waiting</strong> in <code>{row.bot_id}</code>’s inbox for
          a live bee to take, as attempt {row.attempt + 1}.
        </p>
      </ConfirmDialog>
    </>
  );
}
