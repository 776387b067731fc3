'use client';
/** The routing table in force, where it came from, why a newer routing.json was refused, and where an intent would go. */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../_trpc/client';
import { RouteExplain } from './route-explain';

export function RoutingPanel() {
  const trpc = useTRPC();
  const routing = useQuery(trpc.routing.table.queryOptions(undefined, { refetchInterval: 10_000 }));
  if (routing.isPending) return <section className="panel">Loading the routing table…</section>;
  if (routing.isError)
    return <section className="panel error">Could not load the routing table: {routing.error.message}</section>;
  const { table, source, error } = routing.data;
  return (
    <section className="panel" aria-labelledby="routing-heading" data-testid="routing-panel">
      <h2 id="routing-heading">Routing</h2>
      <p className="muted">
        In force: <strong>{source === 'default' ? 'built-in default' : source}</strong>
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Intents</th>
              <th scope="col">Routes to</th>
            </tr>
          </thead>
          <tbody>
            {table.rules.map((rule) => (
              <tr key={rule.name}>
                <td>
                  <code>{rule.name}</code>
                </td>
                <td>{rule.intents.join(', ')}</td>
                <td>
                  {rule.lane} · {rule.provider} · {rule.delivery}
                </td>
              </tr>
            ))}
            <tr>
              <td>
                <code>fallback</code>
              </td>
              <td className="muted">anything else</td>
              <td>
                {table.fallback.lane} · {table.fallback.provider} · {table.fallback.delivery}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <RouteExplain />
    </section>
  );
}
