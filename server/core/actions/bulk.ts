/**
 * Bulk actions (DESIGN §7): cancel, retry, reassign or reclaim every task in a list of ids
 * or matching a filter (the list's filters). The set is fixed when the job starts, so tasks
 * that match later are left alone; each task goes through the same action as one at a
 * time, recorded with its actor `bulk:{id}`; progress is counted as it goes and announced
 * on the live stream by the tasks' own events, with `bulk_started` and `bulk_finished`
 * around them. Jobs live in this process: after a restart, an unfinished job reads as
 * interrupted, from the ledger.
 */
import { randomUUID } from 'node:crypto';
import type { BulkInput, BulkStatus } from '../../contracts/actions';
import { SERVER_ACTOR } from '../claims';
import { HiveError } from '../errors';
import type { CoreParts } from '../hive-parts';
import { log } from '../log';
import type { StuckCriteria } from '../task-view';

export type BulkStep = (taskId: string, actor: string) => Promise<unknown>;

const MAX_ERRORS_KEPT = 50;
/** Tasks worked on at once: enough to be quick, few enough to leave room for everything else. */
const CONCURRENCY = 8;

export class BulkJobs {
  private readonly jobs = new Map<string, BulkStatus>();
  private closed = false;

  constructor(
    private readonly parts: CoreParts,
    private readonly stuck: () => StuckCriteria,
  ) {}

  /** The ids the input matches now (what a dry run reports, and what a job fixes). */
  match(input: Pick<BulkInput, 'ids' | 'filter'>): string[] {
    if (input.ids) return [...new Set(input.ids)];
    return this.parts.view.ids(input.filter ?? {}, this.stuck());
  }

  async start(input: BulkInput, step: BulkStep, actor: string): Promise<{ bulk_id: string; matched: number }> {
    if (this.closed) throw new HiveError('SHUTTING_DOWN', 'The server is shutting down; no bulk action was started.');
    const ids = this.match(input);
    const bulkId = `BULK-${randomUUID()}`;
    const job: BulkStatus = {
      bulk_id: bulkId,
      action: input.action,
      state: 'running',
      matched: ids.length,
      done: 0,
      failed: 0,
      started_at: new Date().toISOString(),
      finished_at: null,
      errors: [],
    };
    this.jobs.set(bulkId, job);
    await this.parts.ledger.append({
      event_type: 'bulk_started',
      task_id: null,
      actor,
      data: { bulk_id: bulkId, action: input.action, matched: ids.length, by: actor },
    });
    void this.run(job, ids, step).catch((err: unknown) => log.error(`bulk ${bulkId} failed`, err));
    return { bulk_id: bulkId, matched: ids.length };
  }

  status(bulkId: string): BulkStatus {
    const job = this.jobs.get(bulkId) ?? this.fromLedger(bulkId);
    if (!job) throw new HiveError('NOT_FOUND', `No bulk action "${bulkId}" in this hive.`);
    return job;
  }

  close(): void {
    this.closed = true;
  }

  private async run(job: BulkStatus, ids: string[], step: BulkStep): Promise<void> {
    const actor = `bulk:${job.bulk_id}`;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < ids.length && !this.closed; i = next++) {
        const taskId = ids[i]!;
        try {
          await step(taskId, actor);
          job.done++;
        } catch (err) {
          job.failed++;
          if (job.errors.length < MAX_ERRORS_KEPT) {
            const known = HiveError.is(err) ? err : null;
            if (!known) log.error(`bulk ${job.bulk_id}: ${taskId} failed`, err);
            job.errors.push({
              task_id: taskId,
              code: known?.code ?? 'INTERNAL',
              message: known?.message ?? 'Internal error; the server log has the details.',
            });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const state = this.closed && job.done + job.failed < job.matched ? 'interrupted' : 'finished';
    await this.parts.ledger
      .append({
        event_type: 'bulk_finished',
        task_id: null,
        actor: SERVER_ACTOR,
        data: { bulk_id: job.bulk_id, state, matched: job.matched, done: job.done, failed: job.failed },
      })
      .catch((err) => log.error(`could not record the end of bulk ${job.bulk_id}`, err));
    // Reported as ended only once its end is in the ledger (or could not be put there).
    job.state = state;
    job.finished_at = new Date().toISOString();
  }

  /** A job of an earlier run of the server: what the ledger says of it. */
  private fromLedger(bulkId: string): BulkStatus | null {
    const events = this.parts.ledger.forBulk(bulkId);
    const started = events.find((e) => e.event_type === 'bulk_started');
    if (!started) return null;
    const finished = events.find((e) => e.event_type === 'bulk_finished');
    const data = (finished ?? started).data;
    const number = (key: string) => (typeof data[key] === 'number' ? data[key] : 0);
    return {
      bulk_id: bulkId,
      action: started.data.action as BulkStatus['action'],
      state: finished ? (finished.data.state === 'interrupted' ? 'interrupted' : 'finished') : 'interrupted',
      matched: typeof started.data.matched === 'number' ? started.data.matched : 0,
      done: number('done'),
      failed: number('failed'),
      started_at: started.ts,
      finished_at: finished?.ts ?? null,
      errors: [],
    };
  }
}
