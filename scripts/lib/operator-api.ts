/** The operator's side of a test server, for tests of what bees do: dispatch a task, cancel it, see where it stands. */
import { BotsHealthSchema, type BotsHealth } from '../../server/contracts/health';
import { DispatchResultSchema, StatusResultSchema, type StatusResult } from '../../server/contracts/task';

export interface OperatorApi {
  /** Dispatches a task for `botId` and returns its id. */
  dispatch(botId: string, fields?: { title?: string; summary?: string; intent?: string }): Promise<string>;
  status(taskId: string): Promise<StatusResult>;
  /** The task's delivery state (`waiting`, `in_progress`, `completed`, `cancelled`, …). */
  state(taskId: string): Promise<string | undefined>;
  cancel(taskId: string, reason?: string): Promise<void>;
  /** A bee as the server sees it (its last heartbeat, its task in hand), if it knows it. */
  bee(name: string): Promise<BotsHealth['bees'][number] | undefined>;
}

export function operatorApi(url: string, token?: string): OperatorApi {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const status = async (taskId: string) =>
    StatusResultSchema.parse(await call('GET', `/api/tasks/status/${encodeURIComponent(taskId)}`));
  return {
    async dispatch(botId, fields = {}) {
      const body = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script', ...fields };
      const result = await call('POST', '/api/tasks/run', { ...body, bot_id: botId });
      return DispatchResultSchema.parse(result).task_id;
    },
    status,
    async state(taskId) {
      const result = await status(taskId);
      return 'state' in result ? result.state : undefined;
    },
    async cancel(taskId, reason) {
      await call('POST', `/api/tasks/${encodeURIComponent(taskId)}/cancel`, reason ? { reason } : {});
    },
    async bee(name) {
      const health = BotsHealthSchema.parse(await call('GET', '/api/hive/bots'));
      return health.bees.find((bee) => bee.bee === name);
    },
  };
}
