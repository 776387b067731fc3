/**
 * What a test can learn and do through the server's own API, whichever store holds the hive:
 * the ledger (a task's history, the live stream from the start), the health counts, and a
 * bee's answer (a response file on the file store; the bee protocol over HTTP on Postgres).
 */
import { createHiveClient } from '../../scripts/cli/client';
import { writeResponse } from '../../scripts/lib/hive-files';
import type { ServerProcess } from '../../scripts/lib/server-process';
import type { Health } from '../../server/contracts/health';
import type { LedgerEvent } from '../../server/contracts/ledger';
import type { Store } from './store';

const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

async function getJson(server: ServerProcess, apiPath: string, token?: string): Promise<any> {
  const res = await fetch(`${server.url}${apiPath}`, { headers: auth(token) });
  const body = await res.json();
  if (!res.ok) throw new Error(`GET ${apiPath}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A tRPC query over plain HTTP, as the dashboard makes it. */
export async function trpcQuery<T = any>(server: ServerProcess, procedure: string, input: unknown, token?: string) {
  const body = await getJson(
    server,
    `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
    token,
  );
  return body.result.data as T;
}

export const health = (server: ServerProcess, token?: string): Promise<Health> =>
  getJson(server, '/api/health', token) as Promise<Health>;

/** Every ledger event of one task, whole (tasks.history, as `hive export TASK_ID` reads it). */
export async function taskEvents(server: ServerProcess, taskId: string, token?: string): Promise<LedgerEvent[]> {
  return (await trpcQuery<{ events: LedgerEvent[] }>(server, 'tasks.history', { task_id: taskId }, token)).events;
}

/**
 * Every ledger event after `afterId`, up to the last one the server had when asked, read from
 * the live stream (hive.live from `afterId`), in ledger order. Long summaries come cut short,
 * as the stream carries them.
 */
export async function ledgerEvents(server: ServerProcess, afterId = 0, token?: string): Promise<LedgerEvent[]> {
  const last = (await health(server, token)).ledger_last_id;
  if (last <= afterId) return [];
  const events = await eventsUntil(server, afterId, (seen) => seen.at(-1)!.id >= last, 30_000, token);
  return events.filter((e) => e.id <= last);
}

/**
 * Follows the live stream from after `afterId` until `done(events so far)` holds, and returns those
 * events: a wait for what the server records, with no polling of its state while it works.
 */
export async function eventsUntil(
  server: ServerProcess,
  afterId: number,
  done: (events: LedgerEvent[]) => boolean,
  timeoutMs: number,
  token?: string,
): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(
        new Error(
          `still waiting after ${timeoutMs} ms; the live stream gave ${events.length} events after #${afterId}`,
        ),
      );
    }, timeoutMs);
    const subscription = createHiveClient(server.url, token).hive.live.subscribe(
      { lastEventId: String(afterId) },
      {
        onData: ({ data }) => {
          events.push(data);
          if (done(events)) {
            clearTimeout(timer);
            subscription.unsubscribe();
            resolve();
          }
        },
        onError: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      },
    );
  });
  return events;
}

export interface Answer {
  taskId: string;
  botId: string;
  content: string;
  /** The response file's name on the file store (default: `{bot}-RESPONSE-{task}.md`). */
  file?: string;
  /** The bee's name over HTTP (default: `answering-bee`). */
  bee?: string;
  token?: string;
}

/**
 * A bee answers a task: on files, its response file lands whole in the hive; on Postgres, a
 * bee claims it over HTTP (holding any older tasks of the bot it meets first, and giving them
 * back afterwards) and sends the response under its lease.
 */
export async function answerAsBee(server: ServerProcess, store: Store, answer: Answer): Promise<void> {
  if (store === 'files') {
    await writeResponse(server.root, answer.file ?? `${answer.botId}-RESPONSE-${answer.taskId}.md`, answer.content);
    return;
  }
  const bee = answer.bee ?? 'answering-bee';
  const call = (apiPath: string, body: unknown) =>
    fetch(`${server.url}${apiPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth(answer.token) },
      body: JSON.stringify(body),
    });
  const held: { task_id: string; lease_token: string }[] = [];
  try {
    for (let tries = 0; ; tries++) {
      if (tries > 50) throw new Error(`${bee} could not claim ${answer.taskId} for ${answer.botId}`);
      const res = await call(`/api/bees/${bee}/claim`, { bots: [answer.botId], wait_seconds: 5 });
      if (res.status === 204) continue;
      const claimed = (await res.json()) as { task_id: string; lease_token: string };
      if (res.status !== 200) throw new Error(`claim for ${answer.botId}: ${res.status} ${JSON.stringify(claimed)}`);
      if (claimed.task_id !== answer.taskId) {
        held.push(claimed);
        continue;
      }
      const sent = await call(`/api/tasks/${answer.taskId}/response`, {
        lease_token: claimed.lease_token,
        content: answer.content,
      });
      if (sent.status !== 200) throw new Error(`response to ${answer.taskId}: ${sent.status} ${await sent.text()}`);
      return;
    }
  } finally {
    for (const other of held) await call(`/api/tasks/${other.task_id}/release`, { lease_token: other.lease_token });
  }
}

/** A bee speaking the bee protocol over HTTP by hand (DESIGN §8), one call at a time, as a test drives it. */
export class HttpBee {
  /** task_id → the lease of the attempt this bee holds. */
  readonly leases = new Map<string, string>();

  constructor(
    private readonly server: ServerProcess,
    readonly name: string,
    private readonly token?: string,
  ) {}

  async call(apiPath: string, body: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.server.url}${apiPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth(this.token) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async heartbeat(bots: string[]): Promise<void> {
    const reply = await this.call(`/api/bees/${this.name}/heartbeat`, { bots });
    if (reply.status !== 200) throw new Error(`heartbeat: ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  /** Claims the oldest waiting task of `bots`; its id, or null when none waited. */
  async claim(bots: string[], waitSeconds = 0): Promise<string | null> {
    const reply = await this.call(`/api/bees/${this.name}/claim`, { bots, wait_seconds: waitSeconds });
    if (reply.status === 204) return null;
    if (reply.status !== 200) throw new Error(`claim: ${reply.status} ${JSON.stringify(reply.body)}`);
    this.leases.set(reply.body.task_id, reply.body.lease_token);
    return reply.body.task_id as string;
  }

  private lease(taskId: string): string {
    const token = this.leases.get(taskId);
    if (!token) throw new Error(`${this.name} holds no lease on ${taskId}`);
    return token;
  }

  async setStatus(taskId: string, status: string): Promise<void> {
    const reply = await this.call(`/api/tasks/${taskId}/status`, { lease_token: this.lease(taskId), status });
    if (reply.status !== 200) throw new Error(`status of ${taskId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  async respond(taskId: string, content: string, status?: 'completed' | 'blocked'): Promise<void> {
    const reply = await this.call(`/api/tasks/${taskId}/response`, {
      lease_token: this.lease(taskId),
      content,
      ...(status ? { status } : {}),
    });
    if (reply.status !== 200) throw new Error(`response to ${taskId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
}
