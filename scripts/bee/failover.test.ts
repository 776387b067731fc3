/**
 * A bee given several servers of one hive (PostgreSQL mode: two production servers on one
 * database, 3-second leases) keeps working when the server it talks to is killed (SIGKILL):
 * the task in hand keeps its lease through the other server and is answered there, and a
 * long-poll claim cut by the death is sent to the other server at once.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../server/testing/temp-hive';
import { createTestDatabase } from '../lib/postgres';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from '../lib/test-server';
import { builtinHandler, type Handler } from './handlers';
import { HiveClient } from './hive-client';
import { RemoteBee } from './remote-bee';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let a: TestServer;
let b: TestServer;
const bees: RemoteBee[] = [];
let lines: string[] = [];

beforeEach(async () => {
  db = await createTestDatabase('bee failover');
  const env = { HIVE_DATABASE_URL: db.url, HIVE_LEASE_SECONDS: '3' };
  a = await startTestServer({ env });
  b = await startTestServer({ env });
}, 120_000);
afterEach(async () => {
  await Promise.all(bees.splice(0).map((bee) => bee.stopNow()));
  await a?.close();
  await b?.close();
  await db?.drop();
  lines = [];
}, 60_000);

/** A client of both servers, `a` first, that never waits with backoff within a test's time: a wait would time the test out. */
function bothServers(): HiveClient {
  return new HiveClient({
    url: [a.url, b.url],
    token: OPERATOR_TOKEN,
    log: (line) => lines.push(line),
    backoff: { firstMs: 60_000, maxMs: 60_000 },
  });
}

async function startBee(client: HiveClient, botId: string, handler: Handler): Promise<RemoteBee> {
  const bee = new RemoteBee({
    client,
    botId,
    name: botId,
    handlerFor: () => handler,
    heartbeatMs: 200,
    claimWaitSeconds: 25,
    log: (line) => lines.push(line),
  });
  bees.push(bee);
  await bee.start();
  return bee;
}

/** The log line of the move away from the killed server (refused, or cut if a request was in flight). */
const movedAway = () => new RegExp(`^server ${a.url} unreachable \\(.+\\); using ${b.url}$`);

describe('a bee with two servers of one hive', () => {
  it('keeps the lease of the task in hand through the other server when its server is killed, and answers there', async () => {
    let started!: () => void;
    let finish!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const handler: Handler = async () => {
      started();
      await finished;
      return { ok: true, markdown: '# survived its server\n' };
    };
    const client = bothServers();
    let renewedSinceKill: number | null = null;
    const renew = client.renew.bind(client);
    client.renew = async (...args) => {
      const result = await renew(...args);
      if (renewedSinceKill !== null) renewedSinceKill++;
      return result;
    };
    const bee = await startBee(client, 'BEE-PG', handler);
    // Dispatched through b; the bee claims it through a, where its requests go first.
    const id = await b.api.dispatch('BEE-PG');
    await handlerStarted;
    expect(client.url).toBe(a.url);

    await a.stop('SIGKILL');
    renewedSinceKill = 0;
    // Renewals come every second of a 3-second lease: four through b outlast what a granted.
    await eventually(() => renewedSinceKill! >= 4, 20_000);
    expect(client.url).toBe(b.url);
    finish();
    await eventually(() => bee.counts.answered === 1, 10_000);
    expect(bee.counts).toMatchObject({ answered: 1, lost: 0 });
    expect(await b.api.status(id)).toMatchObject({
      status: 'completed',
      state: 'completed',
      content: '# survived its server\n',
    });
    expect(lines).toContainEqual(expect.stringMatching(movedAway()));
    expect(lines.filter((line) => line.includes('retrying in'))).toEqual([]);
  }, 60_000);

  it('sends a long-poll claim cut by its server being killed to the other server at once, and answers what comes there', async () => {
    const client = bothServers();
    // The moment the claim's request has gone out to a: from then on it is an open long-poll there.
    let claimSent!: () => void;
    const claimOnA = new Promise<void>((resolve) => (claimSent = resolve));
    const onBodySent = (message: unknown) => {
      const { request } = message as { request: { origin: string; path: string } };
      if (request.origin === a.url && request.path.endsWith('/claim')) claimSent();
    };
    subscribe('undici:request:bodySent', onBodySent);
    try {
      const bee = await startBee(client, 'BEE-PG-IDLE', builtinHandler('BEE-PG-IDLE'));
      await claimOnA;
      await a.stop('SIGKILL');
      const id = await b.api.dispatch('BEE-PG-IDLE');
      // Well within the 25 s the cut long-poll would have waited.
      await eventually(async () => (await b.api.state(id)) === 'completed', 10_000);
      await eventually(() => bee.counts.answered === 1);
      expect(lines).toContainEqual(expect.stringMatching(movedAway()));
      expect(lines.filter((line) => line.includes('retrying in'))).toEqual([]);
    } finally {
      unsubscribe('undici:request:bodySent', onBodySent);
    }
  }, 60_000);
});
