/**
 * GET /api/metrics: a known set of tasks taken through dispatch, claim, status, completion,
 * cancel and a pause, then the scrape read with a real Prometheus text parser and held
 * against the ledger; the counters survive a restart; the token guards it like the rest.
 */
import { claimAsBee, setStatusAsBee, writePresence } from '../../scripts/lib/hive-files';
import { tempHiveRoot, type ServerProcess } from '../../scripts/lib/server-process';
import { expect, test, writeResponse } from '../support/fixtures';
import { HttpBee, ledgerEvents } from '../support/hive-api';
import { histogram, sample, samples, scrape } from '../support/metrics';

const TOKEN = 'metrics-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

const post = async (server: ServerProcess, path: string, body: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

const task = (task_id: string, bot_id: string) => ({ task_id, bot_id, intent: 'code', title: task_id, summary: 's' });

test('the metrics match the ledger: tasks by state and bot, counters, latency histograms; a restart keeps the counters', async ({
  store,
  servers,
}) => {
  const root = await tempHiveRoot();
  const startedAt = Date.now();
  let server = await servers.start({ root, env: { HIVE_API_TOKEN: TOKEN } });
  const ledger = () => ledgerEvents(server, 0, TOKEN);
  const count = async (eventType: string) => (await ledger()).filter((e) => e.event_type === eventType).length;
  try {
    // BOT-A: six tasks in one batch. BOT-B: three, one request each. BOT-C: paused, one task held.
    const batch = await post(server, '/api/tasks/run-many', {
      tasks: Array.from({ length: 6 }, (_, i) => task(`A-${i}`, 'BOT-A')),
    });
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(Array(6).fill('dispatched'));
    for (const id of ['B-0', 'B-1', 'B-2'])
      expect((await post(server, '/api/tasks/run', task(id, 'BOT-B'))).status).toBe(200);
    expect((await post(server, '/api/bots/BOT-C/pause', {})).status).toBe(200);
    expect((await post(server, '/api/tasks/run', task('C-0', 'BOT-C'))).body.state).toBe('held');

    // A bee serving BOT-A claims two (one goes in progress); two others are answered; B-0 is cancelled.
    // On files through the hive's files; on Postgres over HTTP, where a bee claims what it answers.
    if (store === 'files') {
      await writePresence(root, 'bee-a', ['BOT-A']);
      for (const id of ['A-0', 'A-1']) expect(await claimAsBee(root, id, 'bee-a', 'BOT-A')).toBe(true);
      await setStatusAsBee(root, batch.body.results[1].task_path, 'in_progress');
      await writeResponse(root, 'BOT-A-RESPONSE-A-2.md', 'done');
      await writeResponse(root, 'BOT-A-RESPONSE-A-3.md', 'done');
    } else {
      const bee = new HttpBee(server, 'bee-a', TOKEN);
      await bee.heartbeat(['BOT-A']);
      for (const id of ['A-0', 'A-1', 'A-2', 'A-3']) expect(await bee.claim(['BOT-A'])).toBe(id);
      await bee.setStatus('A-1', 'in_progress');
      await bee.respond('A-2', 'done');
      await bee.respond('A-3', 'done');
    }
    expect((await post(server, '/api/tasks/B-0/cancel', {})).body.state).toBe('cancelled');

    const claims = store === 'files' ? 2 : 4;
    await expect
      .poll(async () =>
        Promise.all(['task_claimed', 'task_status_changed', 'task_completed', 'bee_online'].map((t) => count(t))),
      )
      .toEqual([claims, 1, 2, 1]);

    const metrics = await scrape(server.url, auth);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');

    const expected: Record<string, Record<string, number>> = {
      'BOT-A': { waiting: 2, claimed: 1, in_progress: 1, completed: 2 },
      'BOT-B': { waiting: 2, cancelled: 1 },
      'BOT-C': { held: 1 },
    };
    for (const { labels, value } of samples(metrics, 'hive_tasks')) {
      expect(value, `hive_tasks${JSON.stringify(labels)}`).toBe(expected[labels.bot_id!]?.[labels.state!] ?? 0);
    }
    // Each bot's tasks, over all states, are the tasks the ledger dispatched to it.
    const events = await ledger();
    const dispatchedTo = (bot: string) =>
      events.filter((e) => e.event_type === 'task_dispatched' && e.data.bot_id === bot).length;
    for (const bot of Object.keys(expected)) {
      const total = samples(metrics, 'hive_tasks')
        .filter((s) => s.labels.bot_id === bot)
        .reduce((sum, s) => sum + s.value, 0);
      expect(total, bot).toBe(dispatchedTo(bot));
    }

    expect(sample(metrics, 'hive_inbox_depth', { bot_id: 'BOT-A' })).toBe(2);
    expect(sample(metrics, 'hive_inbox_depth', { bot_id: 'BOT-C' })).toBe(0);
    const oldest = sample(metrics, 'hive_inbox_oldest_waiting_seconds', { bot_id: 'BOT-B' });
    expect(oldest).toBeGreaterThan(0);
    expect(oldest).toBeLessThanOrEqual((Date.now() - startedAt) / 1000);
    expect(sample(metrics, 'hive_inbox_oldest_waiting_seconds', { bot_id: 'BOT-C' })).toBe(0);
    expect(sample(metrics, 'hive_bot_paused', { bot_id: 'BOT-C' })).toBe(1);
    expect(sample(metrics, 'hive_bot_paused', { bot_id: 'BOT-A' })).toBe(0);
    expect(sample(metrics, 'hive_live_bees')).toBe(1);
    expect(sample(metrics, 'hive_bot_live_bees', { bot_id: 'BOT-A' })).toBe(1);
    expect(sample(metrics, 'hive_bot_live_bees', { bot_id: 'BOT-B' })).toBe(0);

    const counters = {
      dispatched: sample(metrics, 'hive_tasks_dispatched_total'),
      completed: sample(metrics, 'hive_tasks_completed_total'),
      cancelled: sample(metrics, 'hive_tasks_cancelled_total'),
    };
    expect(counters).toEqual({
      dispatched: await count('task_dispatched'),
      completed: await count('task_completed'),
      cancelled: await count('task_cancelled'),
    });
    expect(counters).toEqual({ dispatched: 10, completed: 2, cancelled: 1 });

    // One observation per task this process dispatched, and per completion it recorded.
    expect(histogram(metrics, 'hive_dispatch_duration_seconds').count).toBe(await count('task_dispatched'));
    const completions = histogram(metrics, 'hive_completion_latency_seconds');
    expect(completions.count).toBe(await count('task_completed'));
    expect(completions.sum).toBeGreaterThan(0);
    expect(sample(metrics, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    await server.stop();
    server = await servers.start({ root, env: { HIVE_API_TOKEN: TOKEN } });
    const after = await scrape(server.url, auth);
    expect({
      dispatched: sample(after, 'hive_tasks_dispatched_total'),
      completed: sample(after, 'hive_tasks_completed_total'),
      cancelled: sample(after, 'hive_tasks_cancelled_total'),
    }).toEqual(counters);
    expect(sample(after, 'hive_tasks', { bot_id: 'BOT-A', state: 'completed' })).toBe(2);
    // Latencies are this process's observations: a new process starts them afresh.
    expect(histogram(after, 'hive_completion_latency_seconds').count).toBe(0);
    expect(histogram(after, 'hive_dispatch_duration_seconds').count).toBe(0);
  } finally {
    await server.stop();
  }
});

test('the metrics need the API token when one is set', async ({ servers }) => {
  const server = await servers.start({ env: { HIVE_API_TOKEN: TOKEN } });
  for (const headers of [{}, { authorization: 'Bearer not-the-token' }] as Record<string, string>[]) {
    const refused = await scrape(server.url, headers);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text)).toMatchObject({ status: 'error', error: { code: 'UNAUTHORIZED' } });
  }
  expect((await scrape(server.url, auth)).status).toBe(200);
});
