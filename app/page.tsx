/** The dashboard: the live task list (filters from the URL), submit, the hive's health, routing and recent activity. */
import { Activity } from './_components/activity';
import { HiveHealth } from './_components/hive-health';
import { RoutingPanel } from './_components/routing-panel';
import { SubmitTask } from './_components/submit-task';
import { filtersFromParams, listInput, nextPage } from './_components/task-filters';
import { TaskList } from './_components/task-list';
import { dashboardAuthorized } from '@/server/http/dashboard-access';
import { getQueryClient, HydrateClient, trpc } from './_trpc/server';

export const dynamic = 'force-dynamic';

export default async function DashboardPage({ searchParams }: PageProps<'/'>) {
  // The layout shows the sign-in form instead; render (and fetch) nothing here.
  if (!(await dashboardAuthorized())) return null;
  const filters = filtersFromParams(await searchParams);
  const queryClient = getQueryClient();
  const [routing] = await Promise.all([
    queryClient.fetchQuery(trpc.routing.table.queryOptions()),
    queryClient.prefetchInfiniteQuery(
      trpc.tasks.list.infiniteQueryOptions(listInput(filters), { getNextPageParam: nextPage }),
    ),
  ]);
  const targets = [...routing.table.rules, routing.table.fallback];
  const lanes = [...new Set(targets.map((t) => t.lane))];
  const providers = [...new Set(targets.map((t) => t.provider))];

  return (
    <HydrateClient>
      <div className="dashboard">
        <div className="side">
          <SubmitTask />
          <HiveHealth compact />
          <RoutingPanel />
          <Activity />
        </div>
        <TaskList lanes={lanes} providers={providers} />
      </div>
    </HydrateClient>
  );
}
