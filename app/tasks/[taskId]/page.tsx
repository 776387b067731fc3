/** A task's page: prefetched on the server, then kept live by the stream. */
import { notFound } from 'next/navigation';
import { TaskIdSchema } from '@/server/contracts/ids';
import { TaskDetail } from '../../_components/task-detail';
import { getQueryClient, HydrateClient, trpc } from '../../_trpc/server';

export const dynamic = 'force-dynamic';

export default async function TaskPage({ params }: PageProps<'/tasks/[taskId]'>) {
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
