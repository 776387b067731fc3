/**
 * The HTTP bee's client against stand-in servers (node:http): it waits out a server that is
 * down or failing, says so once per longer wait and once when back, and turns what waiting
 * cannot fix into errors the bee acts on: a refused token, a lost lease, a reply outside the contract.
 * Given several servers of one hive, it sends a request that one cannot take to the next at
 * once (a long-poll cut by its server's death included), and waits only once all failed it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../server/testing/temp-hive';
import { taskFile } from '../../server/testing/tasks';
import { freePort } from '../lib/server-process';
import { AuthError, HiveClient, HttpError, LeaseLostError, ProtocolError } from './hive-client';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const TOKEN = 'A'.repeat(32);
const LEASE = { task_id: 'TASK-1', attempt: 1, state: 'in_progress', lease_expires_at: '2030-01-01T00:00:00.000Z' };

const servers = new Set<Server>();
afterEach(() => Promise.all([...servers].map(close)));

/** Ends the stand-in as a killed server would end: every connection cut, the port closed. */
function close(server: Server): Promise<void> {
  servers.delete(server);
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function listen(port: number, handler: Handler): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handler(req, body, res));
  });
  servers.add(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const reply = (res: ServerResponse, status: number, json?: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json === undefined ? undefined : JSON.stringify(json));
};
const envelope = (code: string, message: string) => ({ status: 'error', error: { code, message } });

function client(port: number, lines: string[] = []) {
  return new HiveClient({
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    log: (line) => lines.push(line),
    backoff: { firstMs: 10, maxMs: 40 },
  });
}

const signal = () => new AbortController().signal;
const beat = { bots: ['BEE-001'] };

describe('the bee protocol client', () => {
  it('sends JSON with the bearer token, and parses the reply with the contract', async () => {
    const port = await freePort();
    const seen: { url?: string; auth?: string; type?: string; body?: unknown }[] = [];
    await listen(port, (req, body, res) => {
      seen.push({
        url: req.url,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body: JSON.parse(body),
      });
      reply(res, 200, { cancel: ['TASK-9'], live_seconds: 30 });
    });
    expect(await client(port).heartbeat('bee a', { ...beat, current_task: null }, signal())).toEqual({
      cancel: ['TASK-9'],
      live_seconds: 30,
    });
    expect(seen).toEqual([
      {
        url: '/api/bees/bee%20a/heartbeat',
        auth: `Bearer ${TOKEN}`,
        type: 'application/json',
        body: { bots: ['BEE-001'], current_task: null },
      },
    ]);
  });

  it('waits for a server that is not up yet, saying so once per longer wait, and once when it is back', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const claimed = client(port, lines).claim('BEE-001', { ...beat, wait_seconds: 0 }, signal());
    await new Promise((r) => setTimeout(r, 300));
    await listen(port, (_req, _body, res) => reply(res, 204));
    expect(await claimed).toBeNull();
    // 10, 20, 40 ms, then the cap: no more lines however long it stays down.
    expect(lines).toEqual([
      'server unreachable (ECONNREFUSED), retrying in 0.01 s',
      'server unreachable (ECONNREFUSED), retrying in 0.02 s',
      'server unreachable (ECONNREFUSED), retrying in 0.04 s',
      'reconnected',
    ]);
  });

  it('retries a 5xx and a 429 (a restarting or overloaded server), with the server message in the log', async () => {
    const port = await freePort();
    const lines: string[] = [];
    let calls = 0;
    await listen(port, (_req, _body, res) => {
      calls++;
      if (calls === 1) return reply(res, 503, envelope('SHUTTING_DOWN', 'The server is shutting down.'));
      if (calls === 2) return reply(res, 429, envelope('TOO_MANY_WAITERS', 'Too many waiters.'));
      reply(res, 200, LEASE);
    });
    expect(await client(port, lines).renew('TASK-1', 'T'.repeat(32), signal())).toEqual(LEASE);
    expect(lines).toEqual([
      'server unreachable (The server is shutting down.), retrying in 0.01 s',
      'server unreachable (Too many waiters.), retrying in 0.02 s',
      'reconnected',
    ]);
  });

  it.each([401, 403])('a %i is an AuthError with the server message: retrying cannot help', async (status) => {
    const port = await freePort();
    await listen(port, (_req, _body, res) => reply(res, status, envelope('UNAUTHORIZED', 'Wrong token.')));
    const err = await client(port)
      .heartbeat('BEE-001', beat, signal())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ status, code: 'UNAUTHORIZED', message: 'Wrong token.' });
  });

  it('a 409 or 404 on a lease call is a lost lease; a 409 elsewhere is the server refusing', async () => {
    const port = await freePort();
    await listen(port, (req, _body, res) =>
      req.url?.includes('/TASK-GONE/')
        ? reply(res, 404, envelope('NOT_FOUND', 'No task.'))
        : reply(res, 409, envelope('CONFLICT', 'This lease is not the current one.')),
    );
    const hive = client(port);
    const token = 'T'.repeat(32);
    for (const call of [
      hive.renew('TASK-1', token, signal()),
      hive.status('TASK-1', token, 'in_progress', signal()),
      hive.respond('TASK-1', { lease_token: token, content: 'x' }, signal()),
      hive.release('TASK-1', token, signal()),
      hive.renew('TASK-GONE', token, signal()),
    ])
      expect(await call.catch((e: unknown) => e)).toBeInstanceOf(LeaseLostError);
    const refused = await hive.heartbeat('BEE-001', beat, signal()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).not.toBeInstanceOf(LeaseLostError);
  });

  it('a reply outside the contract is a ProtocolError naming the field', async () => {
    const port = await freePort();
    await listen(port, (_req, _body, res) => reply(res, 200, { cancel: 'TASK-1' }));
    const err = await client(port)
      .heartbeat('BEE-001', beat, signal())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(
      /^\/api\/bees\/BEE-001\/heartbeat answered 200 with a reply outside the contract: cancel/,
    );
  });

  it('a long-poll claim is let go as soon as it is aborted: the server sees the request end', async () => {
    const port = await freePort();
    let arrived!: () => void;
    let ended!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const requestEnded = new Promise<void>((resolve) => (ended = resolve));
    // Never answers: the claim waits as on a server with nothing to hand out.
    await listen(port, (req) => {
      req.socket.once('close', ended);
      arrived();
    });
    const stop = new AbortController();
    const claimed = client(port).claim('BEE-001', { ...beat, wait_seconds: 25 }, stop.signal);
    await requestArrived;
    stop.abort(new Error('stopping'));
    await expect(claimed).rejects.toThrow('stopping');
    await requestEnded;
  });
});

describe('the bee protocol client with several servers of one hive', () => {
  const at = (port: number) => `http://127.0.0.1:${port}`;
  /** A backoff no test outlasts: a request that waited would time the test out. */
  const NO_WAIT = { firstMs: 60_000, maxMs: 60_000 };
  const several = (ports: number[], lines: string[], backoff = NO_WAIT) =>
    new HiveClient({ url: ports.map(at), token: TOKEN, log: (line) => lines.push(line), backoff });

  /** A stand-in that counts the requests it gets and answers each with `answer`. */
  async function counting(answer: (res: ServerResponse, body: string) => void) {
    const port = await freePort();
    const seen: string[] = [];
    await listen(port, (req, body, res) => {
      seen.push(`${req.url} ${body}`);
      answer(res, body);
    });
    return { port, seen };
  }

  it('sends a request that a server refuses, or answers 502, 503 or 504, to the next at once; later ones start where it worked', async () => {
    const dead = await freePort();
    const badGateway = await counting((res) => reply(res, 502));
    const shuttingDown = await counting((res) =>
      reply(res, 503, envelope('SHUTTING_DOWN', 'The server is shutting down.')),
    );
    const gatewayTimeout = await counting((res) => reply(res, 504));
    const good = await counting((res) => reply(res, 200, LEASE));
    const lines: string[] = [];
    const client = several([dead, badGateway.port, shuttingDown.port, gatewayTimeout.port, good.port], lines);

    const token = 'T'.repeat(32);
    expect(await client.renew('TASK-1', token, signal())).toEqual(LEASE);
    expect(lines).toEqual([
      `server ${at(dead)} unreachable (ECONNREFUSED); using ${at(badGateway.port)}`,
      `server ${at(badGateway.port)} unreachable (HTTP 502); using ${at(shuttingDown.port)}`,
      `server ${at(shuttingDown.port)} unreachable (The server is shutting down.); using ${at(gatewayTimeout.port)}`,
      `server ${at(gatewayTimeout.port)} unreachable (HTTP 504); using ${at(good.port)}`,
    ]);
    // Each server got the same request once; the one that answered is where the next request goes.
    for (const { seen } of [badGateway, shuttingDown, gatewayTimeout])
      expect(seen).toEqual([`/api/tasks/TASK-1/lease {"lease_token":"${token}"}`]);
    expect(client.url).toBe(at(good.port));
    expect(await client.respond('TASK-1', { lease_token: token, content: '# Done' }, signal())).toEqual(LEASE);
    expect(good.seen).toHaveLength(2);
    expect(badGateway.seen).toHaveLength(1);
    expect(lines).toHaveLength(4);
  });

  it('says once that it moved when requests in flight meet the dead server together', async () => {
    const dead = await freePort();
    const good = await counting((res, body) =>
      reply(res, 200, body.includes('lease_token') ? LEASE : { cancel: [], live_seconds: 30 }),
    );
    const lines: string[] = [];
    const client = several([dead, good.port], lines);
    await Promise.all([
      client.heartbeat('BEE-001', beat, signal()),
      client.renew('TASK-1', 'T'.repeat(32), signal()),
      client.heartbeat('BEE-001', beat, signal()),
    ]);
    expect(good.seen).toHaveLength(3);
    expect(lines).toEqual([`server ${at(dead)} unreachable (ECONNREFUSED); using ${at(good.port)}`]);
  });

  it("re-issues a long-poll claim cut by its server's death on the next server at once", async () => {
    const dying = await freePort();
    let arrived!: () => void;
    const claimArrived = new Promise<void>((resolve) => (arrived = resolve));
    // Holds the claim open, as a server with nothing to hand out yet.
    const first = await listen(dying, () => arrived());
    const claimed = {
      task_id: 'TASK-1',
      attempt: 1,
      lease_token: 'L'.repeat(32),
      lease_expires_at: LEASE.lease_expires_at,
    };
    const next = await counting((res) => reply(res, 200, { ...claimed, task: taskFile('TASK-1') }));
    const lines: string[] = [];
    const claim = several([dying, next.port], lines).claim('BEE-001', { ...beat, wait_seconds: 25 }, signal());
    await claimArrived;
    await close(first);
    expect(await claim).toMatchObject(claimed);
    expect(next.seen).toEqual(['/api/bees/BEE-001/claim {"bots":["BEE-001"],"wait_seconds":25}']);
    expect(lines).toEqual([`server ${at(dying)} unreachable (connection cut); using ${at(next.port)}`]);
  });

  it('waits with backoff only once every server failed the request, then tries them all again', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const lines: string[] = [];
    const claim = several([a, b], lines, { firstMs: 10, maxMs: 40 }).claim(
      'BEE-001',
      { ...beat, wait_seconds: 0 },
      signal(),
    );
    await eventually(() => lines.filter((line) => line.includes('retrying in 0.04 s')).length > 0);
    await listen(b, (_req, _body, res) => reply(res, 204));
    expect(await claim).toBeNull();
    // A move, then one line per longer wait (10, 20, 40 ms: the cap), then where it reconnected.
    const waiting = /^all 2 servers unreachable \(http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\), retrying in /;
    expect(lines).toEqual([
      `server ${at(a)} unreachable (ECONNREFUSED); using ${at(b)}`,
      expect.stringMatching(new RegExp(waiting.source + '0.01 s$')),
      expect.stringMatching(new RegExp(waiting.source + '0.02 s$')),
      expect.stringMatching(new RegExp(waiting.source + '0.04 s$')),
      `reconnected to ${at(b)}`,
    ]);
  });

  it('waits on a server that answers 500 or 429, rather than leaving it: it is there, and may hold the answer', async () => {
    let calls = 0;
    const busy = await counting((res) =>
      ++calls === 1 ? reply(res, 429, envelope('TOO_MANY_WAITERS', 'Too many waiters.')) : reply(res, 200, LEASE),
    );
    const other = await counting((res) => reply(res, 200, LEASE));
    const lines: string[] = [];
    const client = several([busy.port, other.port], lines, { firstMs: 10, maxMs: 40 });
    expect(await client.renew('TASK-1', 'T'.repeat(32), signal())).toEqual(LEASE);
    expect(busy.seen).toHaveLength(2);
    expect(other.seen).toEqual([]);
    expect(lines).toEqual([
      `server ${at(busy.port)} unreachable (Too many waiters.), retrying in 0.01 s`,
      `reconnected to ${at(busy.port)}`,
    ]);
  });
});
