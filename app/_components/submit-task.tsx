'use client';
/** The submit form: validated in the browser by the same zod schema the server uses, field errors inline. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState, type FormEvent } from 'react';
import { fieldErrors } from '@/server/contracts/issues';
import { RunTaskInputSchema, type DispatchResult } from '@/server/contracts/task';
import { useTRPC } from '../_trpc/client';
import { useHydrated } from './use-hydrated';

type Fields = Record<string, string[]>;

function readForm(form: HTMLFormElement) {
  const data = new FormData(form);
  const text = (key: string) => {
    const value = data.get(key);
    return typeof value === 'string' ? value : '';
  };
  const kb = text('kb_entities')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const wait = data.get('wait_for_response') === 'on';
  return {
    intent: text('intent'),
    title: text('title'),
    summary: text('summary'),
    bot_id: text('bot_id').trim() || undefined,
    kb_entities: kb,
    wait_for_response: wait,
    ...(wait ? { timeout_seconds: Number(text('timeout_seconds') || 60) } : {}),
  };
}

export function SubmitTask() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const routing = useQuery(trpc.routing.table.queryOptions());
  const [fields, setFields] = useState<Fields>({});
  const [wait, setWait] = useState(false);
  const [last, setLast] = useState<DispatchResult | null>(null);
  const id = useId();
  // Until React owns the form, a click would submit it natively (a page reload, nothing sent).
  const hydrated = useHydrated();

  const run = useMutation(
    trpc.tasks.run.mutationOptions({
      onSuccess: (result) => {
        setLast(result);
        setFields({});
        void queryClient.invalidateQueries(trpc.tasks.list.pathFilter());
      },
      onError: (error) => setFields((error.data as { fields?: Fields | null } | undefined)?.fields ?? {}),
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const parsed = RunTaskInputSchema.safeParse(readForm(form));
    if (!parsed.success) {
      setFields(fieldErrors(parsed.error));
      return;
    }
    setFields({});
    run.mutate(parsed.data, { onSuccess: () => form.reset() });
  }

  const intents = [...new Set(routing.data?.table.rules.flatMap((r) => r.intents) ?? ['design', 'planning', 'code'])];
  const field = (name: string) => ({
    id: `${id}-${name}`,
    name,
    'aria-invalid': fields[name] ? true : undefined,
    'aria-describedby': fields[name] ? `${id}-${name}-error` : undefined,
  });
  const error = (name: string) =>
    fields[name] ? (
      <p className="field-error" id={`${id}-${name}-error`} role="alert">
        {fields[name].join('; ')}
      </p>
    ) : null;

  return (
    <section className="panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Submit a task</h2>
      <form onSubmit={onSubmit} noValidate className="submit-form">
        <label htmlFor={`${id}-intent`}>Intent</label>
        <input {...field('intent')} list={`${id}-intents`} placeholder="code, design, planning, or your own" required />
        <datalist id={`${id}-intents`}>
          {intents.map((intent) => (
            <option key={intent} value={intent} />
          ))}
        </datalist>
        {error('intent')}

        <label htmlFor={`${id}-title`}>Title</label>
        <input {...field('title')} placeholder="Create hello.py" required />
        {error('title')}

        <label htmlFor={`${id}-summary`}>Summary</label>
        <textarea {...field('summary')} rows={3} placeholder="Write a hello world script" />
        {error('summary')}

        <div className="row">
          <div>
            <label htmlFor={`${id}-bot_id`}>Bot</label>
            <input {...field('bot_id')} placeholder="BEE-001" />
            {error('bot_id')}
          </div>
          <div>
            <label htmlFor={`${id}-kb_entities`}>KB entities</label>
            <input {...field('kb_entities')} placeholder="comma, separated" />
            {error('kb_entities')}
          </div>
        </div>

        <div className="row wait-row">
          <label className="checkbox">
            <input
              type="checkbox"
              name="wait_for_response"
              checked={wait}
              onChange={(e) => setWait(e.target.checked)}
            />
            Wait for the response
          </label>
          {wait && (
            <span>
              <label htmlFor={`${id}-timeout_seconds`}>Timeout (s)</label>
              <input
                {...field('timeout_seconds')}
                type="number"
                min={1}
                max={3600}
                defaultValue={60}
                className="narrow"
              />
            </span>
          )}
        </div>
        {error('timeout_seconds')}
        {error('_')}

        <button type="submit" disabled={run.isPending || !hydrated}>
          {run.isPending ? (wait ? 'Waiting for the bee…' : 'Dispatching…') : 'Dispatch'}
        </button>
        {run.error && !run.error.data?.fields && (
          <p className="field-error" role="alert">
            {run.error.message}
          </p>
        )}
      </form>
      {last && (
        <p className="dispatched" role="status" data-testid="dispatched">
          Dispatched <Link href={`/tasks/${last.task_id}`}>{last.task_id}</Link> →{' '}
          <strong>
            {last.lane} / {last.provider} / {last.delivery_mode}
          </strong>{' '}
          (rule <code>{last.routing.rule}</code>){last.response && <> — response: {last.response.status}</>}
        </p>
      )}
    </section>
  );
}
