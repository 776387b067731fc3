/** A typed Hive Control client used from code: dispatch a task, then read its status (`npx tsx scripts/cli/example.ts`). */
import { createHiveClient } from './client';

async function main() {
  const hive = createHiveClient(process.env.HIVE_URL ?? 'http://127.0.0.1:8010');

  // Inputs and outputs are checked against the server's router: a misspelt field fails `tsc`.
  const task = await hive.tasks.run.mutate({
    intent: 'code',
    title: 'Create hello.py',
    summary: 'Write a hello world script',
  });
  console.log(`${task.task_id} → ${task.lane}/${task.provider} (rule ${task.routing.rule})`);

  const status = await hive.tasks.status.query({ task_id: task.task_id });
  console.log('content' in status ? status.content : `status: ${status.status}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
