/**
 * The REST API, one entry per endpoint: its method and path, the zod schemas of its path
 * parameters, query, body and reply, and the service call it makes. The route files serve
 * these entries (rest-route.ts) and GET /api/openapi.json describes them (openapi.ts), so
 * the description cannot drift from what is served.
 */
import { z } from 'zod';
import {
  ActionResultSchema,
  BulkInputSchema,
  BulkStartedSchema,
  BulkStatusSchema,
  CancelInputSchema,
  ExplainInputSchema,
  ExplainResultSchema,
  ExportInputSchema,
  PauseResultSchema,
  ReassignInputSchema,
  ReassignResultSchema,
  ReclaimResultSchema,
  RetryInputSchema,
  RetryResultSchema,
  RunManyInputSchema,
  RunManyResultSchema,
  TaskHistorySchema,
} from '../contracts/actions';
import { BotsHealthSchema, HealthSchema } from '../contracts/health';
import {
  ClaimedSchema,
  ClaimInputSchema,
  HeartbeatInputSchema,
  HeartbeatReplySchema,
  LeaseActionResultSchema,
  LeaseInputSchema,
  ResponseInputSchema,
  StatusInputSchema,
} from '../contracts/bee-protocol';
import { BeeNameSchema, BotIdSchema, TaskIdSchema } from '../contracts/ids';
import { DispatchResultSchema, RunTaskInputSchema, StatusResultSchema } from '../contracts/task';
import { EXPORT_CONTENT_TYPES } from '../core/actions/export';
import { METRICS_CONTENT_TYPE } from '../core/metrics';
import type { BeeScope } from '../core/remote/bee-scope';
import type { HiveService } from '../core/service';

export interface EndpointCall<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  service: HiveService;
  /** The bots a bee token serves; null for the operator. */
  scope: BeeScope;
}

export interface Endpoint<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  tag: 'tasks' | 'bots' | 'hive' | 'routing' | 'bees';
  /** `bees`: a bee token may call it too (for its own bots); every other endpoint is the operator's. */
  access?: 'bees';
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** What `body` is called in error messages ("Invalid task: …"). */
  bodyName?: string;
  /** An empty body reads as `{}` (actions whose fields are all optional). */
  emptyBodyIsObject?: boolean;
  reply: z.ZodType | { contentTypes: Record<string, string> };
  /** The status of a successful reply (default 200). */
  status?: (result: unknown) => number;
  /** Every status `status` may pick, for the description (default [200]). */
  replyStatuses?: number[];
  /** Other statuses this endpoint answers with, besides the error table's. */
  errors: number[];
  handle(call: EndpointCall<P, Q, B>): unknown;
}

const define = <P, Q, B>(endpoint: Endpoint<P, Q, B>) => endpoint as Endpoint;

const TaskParams = z.strictObject({ taskId: TaskIdSchema });
const BotParams = z.strictObject({ botId: BotIdSchema });
const BeeParams = z.strictObject({ bee: BeeNameSchema });
/** Query strings are text: `?stuck=1` (or `true`) turns the stuck filter on. */
const ExportQuery = ExportInputSchema.extend({
  stuck: z
    .enum(['1', 'true', '0', 'false'], { error: 'stuck must be 1 or 0' })
    .transform((v) => v === '1' || v === 'true')
    .optional(),
});

export const ENDPOINTS = {
  runTask: define({
    method: 'POST',
    path: '/api/tasks/run',
    summary: 'Dispatch a task (route it, write its task file, record it); optionally wait for its response.',
    tag: 'tasks',
    body: RunTaskInputSchema,
    bodyName: 'task',
    reply: DispatchResultSchema,
    errors: [409, 422, 429],
    handle: ({ body, req, service }) => service.run(body, { signal: req.signal, actor: 'rest' }),
  }),
  runMany: define({
    method: 'POST',
    path: '/api/tasks/run-many',
    summary: 'Dispatch up to 1,000 tasks in one commit; each is validated on its own.',
    tag: 'tasks',
    body: RunManyInputSchema,
    bodyName: 'batch',
    reply: RunManyResultSchema,
    errors: [422],
    handle: ({ body, service }) => service.runMany(body.tasks, 'rest'),
  }),
  status: define({
    method: 'GET',
    path: '/api/tasks/status/{taskId}',
    summary: "A task's response if one landed, else its task file's status; `state` says where delivery stands.",
    tag: 'tasks',
    params: TaskParams,
    reply: StatusResultSchema,
    status: (result) => ((result as { status: string }).status === 'not_found' ? 404 : 200),
    replyStatuses: [200, 404],
    errors: [404],
    handle: ({ params, service }) => service.status(params.taskId),
  }),
  cancel: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/cancel',
    summary: 'Cancel a task: unclaimed, it leaves the inbox at once; claimed, its bee is asked to stop (cancelling).',
    tag: 'tasks',
    params: TaskParams,
    body: CancelInputSchema,
    emptyBodyIsObject: true,
    reply: ActionResultSchema,
    errors: [404, 409],
    handle: ({ params, body, service }) => service.cancel(params.taskId, body, 'rest'),
  }),
  retry: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/retry',
    summary:
      'Retry a finished or blocked task as a new task, optionally edited; the new task file carries its lineage.',
    tag: 'tasks',
    params: TaskParams,
    body: RetryInputSchema,
    emptyBodyIsObject: true,
    reply: RetryResultSchema,
    errors: [404, 409],
    handle: ({ params, body, service }) => service.retry(params.taskId, body, 'rest'),
  }),
  reassign: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/reassign',
    summary: 'Move an unclaimed task to another bot (dry_run to see what would happen).',
    tag: 'tasks',
    params: TaskParams,
    body: ReassignInputSchema,
    reply: ReassignResultSchema,
    errors: [404, 409],
    handle: ({ params, body, service }) => service.reassign(params.taskId, body, 'rest'),
  }),
  reclaim: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/reclaim',
    summary: 'Release a stale claim (its bee is not live): the task waits again for a live bee, as the next attempt.',
    tag: 'tasks',
    params: TaskParams,
    body: z.strictObject({}),
    emptyBodyIsObject: true,
    reply: ReclaimResultSchema,
    errors: [404, 409],
    handle: ({ params, service }) => service.reclaim(params.taskId, 'rest'),
  }),
  history: define({
    method: 'GET',
    path: '/api/tasks/{taskId}/export',
    summary: "One task's whole history: its row, task file, every ledger event and its response.",
    tag: 'tasks',
    params: TaskParams,
    reply: TaskHistorySchema,
    errors: [404],
    handle: async ({ params, service }) =>
      Response.json(await service.exportTask(params.taskId), {
        headers: {
          'content-disposition': `attachment; filename="${params.taskId}.json"`,
          'cache-control': 'no-store',
        },
      }),
  }),
  exportTasks: define({
    method: 'GET',
    path: '/api/tasks/export',
    summary: 'The filtered task list (the filters of tasks.list) as JSON, CSV or NDJSON, streamed.',
    tag: 'tasks',
    query: ExportQuery,
    reply: { contentTypes: EXPORT_CONTENT_TYPES },
    errors: [422],
    handle: ({ query, service }) => {
      const chunks = service.exportTasks(query);
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
      return new Response(body, {
        headers: {
          'content-type': EXPORT_CONTENT_TYPES[query.format],
          'content-disposition': `attachment; filename="hive-tasks-${stamp}.${query.format}"`,
          'cache-control': 'no-store',
        },
      });
    },
  }),
  pause: define({
    method: 'POST',
    path: '/api/bots/{botId}/pause',
    summary: 'Pause a bot: its new tasks are recorded and held out of its inbox until it resumes.',
    tag: 'bots',
    params: BotParams,
    body: z.strictObject({}),
    emptyBodyIsObject: true,
    reply: PauseResultSchema,
    errors: [],
    handle: ({ params, service }) => service.pause(params.botId, 'rest'),
  }),
  resume: define({
    method: 'POST',
    path: '/api/bots/{botId}/resume',
    summary: 'Resume a bot: its held tasks go to its inbox, oldest first.',
    tag: 'bots',
    params: BotParams,
    body: z.strictObject({}),
    emptyBodyIsObject: true,
    reply: PauseResultSchema,
    errors: [],
    handle: ({ params, service }) => service.resume(params.botId, 'rest'),
  }),
  bulk: define({
    method: 'POST',
    path: '/api/bulk',
    summary: 'Cancel, retry, reassign or reclaim many tasks, by ids or by filter; the set is fixed when it starts.',
    tag: 'tasks',
    body: BulkInputSchema,
    bodyName: 'bulk action',
    reply: BulkStartedSchema,
    status: (result) => ((result as { dry_run: boolean }).dry_run ? 200 : 202),
    replyStatuses: [202, 200],
    errors: [422],
    handle: ({ body, service }) => service.bulk(body, 'rest'),
  }),
  bulkStatus: define({
    method: 'GET',
    path: '/api/bulk/{bulkId}',
    summary: "A bulk action's progress.",
    tag: 'tasks',
    params: z.strictObject({ bulkId: z.string().regex(/^BULK-[0-9a-f-]+$/, 'not a bulk id') }),
    reply: BulkStatusSchema,
    errors: [404],
    handle: ({ params, service }) => service.bulkStatus(params.bulkId),
  }),
  bots: define({
    method: 'GET',
    path: '/api/hive/bots',
    summary: 'Inbox health: per bot and per bee, with warnings (no_live_bee, stale_claim, long_running).',
    tag: 'hive',
    reply: BotsHealthSchema,
    errors: [],
    handle: ({ service }) => service.bots(),
  }),
  health: define({
    method: 'GET',
    path: '/api/health',
    summary: 'Readiness: 200 once the hive is open.',
    tag: 'hive',
    reply: HealthSchema,
    errors: [],
    handle: ({ service }) => service.health(),
  }),
  metrics: define({
    method: 'GET',
    path: '/api/metrics',
    summary:
      'Prometheus metrics (text exposition 0.0.4): tasks by state and bot, inbox depth and age, live bees, dispatch and completion counters and latency histograms, and the process.',
    tag: 'hive',
    reply: { contentTypes: { prometheus: METRICS_CONTENT_TYPE } },
    errors: [],
    handle: async ({ service }) =>
      new Response(await service.metrics(), {
        headers: { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' },
      }),
  }),
  explain: define({
    method: 'POST',
    path: '/api/routing/explain',
    summary: 'Where a task would go and why: the rule that fires, and for every rule whether it matched.',
    tag: 'routing',
    body: ExplainInputSchema,
    bodyName: 'task',
    reply: ExplainResultSchema,
    errors: [422],
    handle: ({ body, service }) => service.explain(body.intent),
  }),
  beeHeartbeat: define({
    method: 'POST',
    path: '/api/bees/{bee}/heartbeat',
    summary:
      "A bee's heartbeat (its presence, as `bees/{bee}.json`); the reply lists the cancels of tasks it holds. Send one every 5 s while a task is in hand; an open claim keeps an idle bee live.",
    tag: 'bees',
    access: 'bees',
    params: BeeParams,
    body: HeartbeatInputSchema,
    bodyName: 'heartbeat',
    reply: HeartbeatReplySchema,
    errors: [403, 409, 422],
    handle: ({ params, body, scope, service }) => service.bees.heartbeat(params.bee, body, scope),
  }),
  beeClaim: define({
    method: 'POST',
    path: '/api/bees/{bee}/claim',
    summary:
      'Claim the oldest waiting task of these bots, waiting up to wait_seconds (0–30) for one: 200 with the task and its lease, or 204.',
    tag: 'bees',
    access: 'bees',
    params: BeeParams,
    body: ClaimInputSchema,
    bodyName: 'claim',
    reply: ClaimedSchema,
    replyStatuses: [200, 204],
    errors: [403, 422],
    handle: async ({ params, body, scope, req, service }) =>
      (await service.bees.claim(params.bee, body, scope, req.signal)) ??
      new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } }),
  }),
  leaseRenew: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/lease',
    summary: "Renew a task's lease (it lasts 60 s; renew every 20 s). 409: the lease is lost; stop the work.",
    tag: 'bees',
    access: 'bees',
    params: TaskParams,
    body: LeaseInputSchema,
    bodyName: 'lease',
    reply: LeaseActionResultSchema,
    errors: [403, 404, 409],
    handle: ({ params, body, scope, service }) => service.bees.renew(params.taskId, body.lease_token, scope),
  }),
  leaseStatus: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/status',
    summary: 'The status rewrite a file bee would make in the task file (in_progress, blocked, cancelled, active).',
    tag: 'bees',
    access: 'bees',
    params: TaskParams,
    body: StatusInputSchema,
    bodyName: 'status',
    reply: LeaseActionResultSchema,
    errors: [403, 404, 409],
    handle: ({ params, body, scope, service }) =>
      service.bees.setStatus(params.taskId, body.lease_token, body.status, scope),
  }),
  leaseResponse: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/response',
    summary:
      'Answer a task: the server publishes the response file. The same answer again is acknowledged; a lost lease gets 409 and changes nothing.',
    tag: 'bees',
    access: 'bees',
    params: TaskParams,
    body: ResponseInputSchema,
    bodyName: 'response',
    reply: LeaseActionResultSchema,
    errors: [403, 404, 409, 413],
    handle: ({ params, body, scope, service }) => service.bees.respond(params.taskId, body, scope),
  }),
  leaseRelease: define({
    method: 'POST',
    path: '/api/tasks/{taskId}/release',
    summary: 'Give a claimed task back (a bee stopping at once): it waits again for another bee, as the next attempt.',
    tag: 'bees',
    access: 'bees',
    params: TaskParams,
    body: LeaseInputSchema,
    bodyName: 'lease',
    reply: LeaseActionResultSchema,
    errors: [403, 404, 409],
    handle: ({ params, body, scope, service }) => service.bees.release(params.taskId, body.lease_token, scope),
  }),
} satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;
