/** Tasks for tests: a run request with the defaults applied, and a task file as the server writes it. */
import { RunTaskInputSchema, type RunTaskInput, type RunTaskRequest, type TaskFile } from '../contracts/task';

/** `Create hello.py` for the code intent, with any field overridden. */
export function runInput(overrides: Partial<RunTaskRequest> = {}): RunTaskInput {
  return RunTaskInputSchema.parse({
    intent: 'code',
    title: 'Create hello.py',
    summary: 'Write a hello world script',
    ...overrides,
  });
}

/** A task file for BEE-001 routed by the default `code` rule, with any field overridden. */
export function taskFile(taskId: string, overrides: Partial<TaskFile> = {}): TaskFile {
  const now = new Date().toISOString();
  return {
    task_id: taskId,
    bot_id: 'BEE-001',
    intent: 'code',
    title: `Task ${taskId}`,
    summary: 'Write a hello world script',
    kb_entities: [],
    status: 'active',
    lane: 'terminal',
    provider: 'cli',
    delivery_mode: 'task_file',
    created_at: now,
    started_at: now,
    routing: { rule: 'code', source: 'default' },
    ...overrides,
  };
}
