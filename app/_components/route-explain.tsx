'use client';
/** "Where would this go?": asks `routing.explain` for an intent and shows the rule that fires and, for each rule, whether it matched. */
import { useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { ExplainInputSchema } from '@/server/contracts/actions';
import { useTRPC } from '../_trpc/client';

export function RouteExplain() {
  const trpc = useTRPC();
  const id = useId();
  const [draft, setDraft] = useState('');
  const [intent, setIntent] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const explain = useQuery(
    trpc.routing.explain.queryOptions({ intent: intent ?? '' }, { enabled: intent !== null, staleTime: 0 }),
  );

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = ExplainInputSchema.safeParse({ intent: draft });
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Type an intent.');
      return;
    }
    setProblem(null);
    setIntent(parsed.data.intent);
  }

  const result = intent !== null ? explain.data : undefined;
  return (
    <div className="explain" data-testid="explain">
      <h3 id={`${id}-heading`}>Where would this go?</h3>
      <form onSubmit={onSubmit} className="inline-form" aria-labelledby={`${id}-heading`}>
        <label htmlFor={`${id}-intent`} className="sr-only">
          Intent to explain
        </label>
        <input
          id={`${id}-intent`}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="an intent, e.g. review"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
        />
        <button type="submit">Explain</button>
      </form>
      {problem && (
        <p className="field-error" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      )}
      {explain.isError && (
        <p className="field-error" role="alert">
          {explain.error.message}
        </p>
      )}
      {result && (
        <div role="status" data-testid="explain-result">
          <p>
            <code>{intent}</code> → <strong>{`${result.lane} / ${result.provider} / ${result.delivery}`}</strong> by
            rule <code data-testid="explain-rule-fired">{result.rule}</code>
            {result.source === 'default' ? ' (built-in default table)' : ` (${result.source})`}
          </p>
          <table className="explain-rules">
            <caption className="sr-only">Each rule, and whether it matched</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Intents</th>
                <th scope="col">Matched</th>
              </tr>
            </thead>
            <tbody>
              {[...result.rules, { name: 'fallback', intents: [], matched: result.rules.every((r) => !r.matched) }].map(
                (rule) => (
                  <tr
                    key={rule.name}
                    data-testid="explain-rule"
                    data-rule={rule.name}
                    data-matched={rule.matched}
                    className={rule.matched ? 'matched' : undefined}
                  >
                    <td>
                      <code>{rule.name}</code>
                    </td>
                    <td>
                      {rule.intents.length ? rule.intents.join(', ') : <span className="muted">anything else</span>}
                    </td>
                    <td>{rule.matched ? '✓ matched' : 'no'}</td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
