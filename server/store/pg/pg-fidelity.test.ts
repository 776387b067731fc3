/**
 * What goes into the hive in PostgreSQL comes out as it went in, as it does from the files:
 * event data in the order its keys were written, on every server and in the table itself;
 * titles, summaries and answers holding NUL (or a lone surrogate), accepted and read back whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Claimed } from '../../contracts/bee-protocol';
import type { HiveService } from '../../core/service';
import { pgHives, type PgHives } from '../../testing/pg-hives';
import { openTempHive } from '../../testing/temp-hive';

let hives: PgHives;
let fileHive: Awaited<ReturnType<typeof openTempHive>> | undefined;
afterEach(async () => {
  await hives.cleanup();
  await fileHive?.cleanup();
  fileHive = undefined;
});

describe('event data reads back as written', () => {
  it('keeps the key order it was written in, on the server that wrote it, on another, and in the table', async () => {
    hives = await pgHives('fidelity');
    const a = await hives.server();
    // jsonb would read back {"mike":…,"zulu":…,"alpha":…} (shorter keys first, then by bytes).
    const data = { zulu: 1, alpha: { yankee: 'y', bravo: 'b' }, mike: [{ z: 1, a: 2 }] };
    const written = JSON.stringify(data);

    const appended = await a.ledger.append({ event_type: 'task_timeout', task_id: 'TASK-ORDER', actor: 'test', data });
    const b = await hives.server();

    expect(JSON.stringify(appended.data)).toBe(written);
    expect(JSON.stringify(a.ledger.forTask('TASK-ORDER')[0]!.data)).toBe(written);
    expect(JSON.stringify(b.ledger.forTask('TASK-ORDER')[0]!.data)).toBe(written);
    const c = await hives.client();
    const { rows } = await c.query<{ data: string }>(
      "SELECT data::text AS data FROM events WHERE task_id = 'TASK-ORDER'",
    );
    expect(rows[0]!.data).toBe(written);
  });
});

describe('text the file store takes, PostgreSQL takes too', () => {
  const awkward = {
    task_id: 'TASK-NUL',
    bot_id: 'BOT-A',
    intent: 'review',
    title: 'before\u0000after',
    summary: 'a NUL \u0000, a lone surrogate \ud800, and the rest',
    kb_entities: ['k\u0000b'],
    wait_for_response: false,
    timeout_seconds: 30,
  };
  const answer = '# Done\n\u0000binary tail\u0000é😀';

  /** Dispatch on one server, claim, rewrite the status and answer on another (the same one for files). */
  async function dispatchAndAnswer(dispatcher: HiveService, worker: HiveService) {
    const waiting = dispatcher.run({ ...awkward, wait_for_response: true, timeout_seconds: 10 }, {});
    const claimed = (await worker.bees.claim('bee-1', { bots: ['BOT-A'], wait_seconds: 5 }, null)) as Claimed;
    await worker.bees.setStatus('TASK-NUL', claimed.lease_token, 'in_progress', null);
    const working = await dispatcher.detail('TASK-NUL');
    const responded = await worker.bees.respond(
      'TASK-NUL',
      { lease_token: claimed.lease_token, content: answer },
      null,
    );
    // The same answer again is the same answer.
    const again = await worker.bees.respond('TASK-NUL', { lease_token: claimed.lease_token, content: answer }, null);
    return {
      claimed: claimed.task,
      working: working.task,
      started: (await dispatcher.timeline('TASK-NUL')).events[0]!.data,
      responded: responded.state,
      again: again.state,
      waited: (await waiting).response,
      read: (await dispatcher.detail('TASK-NUL')).response,
    };
  }

  it('a title, summary and answer holding NUL are taken and read back identical, as the file store does', async () => {
    hives = await pgHives('fidelity');
    const [a, b] = [await hives.server(), await hives.server()];
    fileHive = await openTempHive();

    const inPostgres = await dispatchAndAnswer(a.service, b.service);
    const inFiles = await dispatchAndAnswer(fileHive.service, fileHive.service);

    const asGiven = { title: awkward.title, summary: awkward.summary, kb_entities: awkward.kb_entities };
    expect(inPostgres.claimed).toMatchObject({ ...asGiven, status: 'active' });
    expect(inPostgres.working).toMatchObject({ ...asGiven, status: 'in_progress' });
    expect(inPostgres.started).toMatchObject({ title: awkward.title, summary: awkward.summary });
    expect([inPostgres.responded, inPostgres.again]).toEqual(['completed', 'completed']);
    expect(inPostgres.waited).toMatchObject({ status: 'completed', content: answer });
    expect(inPostgres.read).toMatchObject({ status: 'completed', content: answer });
    // Where the task and its answer live differs by store; what they say does not.
    const said = ({ claimed, working, started, responded, again, waited, read }: typeof inFiles) => ({
      claimed: { ...claimed, created_at: null, started_at: null },
      working: { ...working, created_at: null, started_at: null },
      started: { ...started, task_path: null },
      responded,
      again,
      waited: waited && 'content' in waited ? waited.content : waited,
      read: read?.content,
    });
    expect(said(inPostgres)).toEqual(said(inFiles));
  });

  it('an operator reassigns and cancels a task holding NUL like any other', async () => {
    hives = await pgHives('fidelity');
    const a = await hives.server();
    await a.service.run(awkward, {});
    await a.service.reassign('TASK-NUL', { bot_id: 'BOT-B', dry_run: false }, 'operator');
    expect(await a.service.cancel('TASK-NUL', {}, 'operator')).toMatchObject({ state: 'cancelled' });
    expect((await a.service.detail('TASK-NUL')).task).toMatchObject({
      title: awkward.title,
      bot_id: 'BOT-B',
      status: 'cancelled',
    });
  });

  it('a bee whose host name holds NUL is heard and shown, as the file store does', async () => {
    hives = await pgHives('fidelity');
    const a = await hives.server();
    const host = 'rack\u00007';
    await a.service.bees.heartbeat('odd-host', { bots: ['BOT-A'], current_task: null, host, pid: 9 }, null);
    const shown = (await a.service.bots()).bees.find((bee) => bee.bee === 'odd-host');
    expect(shown).toMatchObject({ host, live: true });
  });
});
