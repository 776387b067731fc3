/** A task's page: prefetched on the server, then kept live by the stream. */
import { notFound } from 'next/navigation';
import { TaskIdSchema } from '@/server/contracts/ids';
import { TaskDetail } from '../../_components/task-detail';
import { dashboardAuthorized } from '@/server/http/dashboard-access';
import { getQueryClient, HydrateClient, trpc } from '../../_trpc/server';

export const dynamic = 'force-dynamic';

export default async function TaskPage({ params }: PageProps<'/tasks/[taskId]'>) {
  // The layout shows the sign-in form instead; render (and fetch) nothing here.
  if (!(await dashboardAuthorized())) return null;
  const { taskId } = await params;
  if (!TaskIdSchema.safeParse(taskId).success) notFound();
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.tasks.detail.queryOptions({ task_id: taskId })),
    queryClient.prefetchQuery(trpc.tasks.timeline.queryOptions({ task_id: taskId })),
  ]);
  return (
    <HydrateClient>
      <TaskDetail taskId={taskId} />
    </HydrateClient>
  );
}
