/**
 * Bee tokens (DESIGN §8) over real HTTP: a bee token reaches the bee endpoints for its own
 * bots and nothing else (403, saying why); a token the server does not know is 401; the
 * operator token still reaches everything.
 */
import { addBeeToken, beeTokensFile, revokeBeeToken } from '../../server/core/bee-tokens';
import { tempHiveRoot, type ServerProcess } from '../../scripts/lib/server-process';
import { expect, StoreServers, test as base } from '../support/fixtures';

const OPERATOR = 'operator-token-0123456789abcdef';
const test = base.extend<object, { server: ServerProcess & { beeToken: string } }>({
  server: [
    async ({ store }, use) => {
      const root = await tempHiveRoot();
      // The token file stays in HIVE_ROOT/.deia on either store.
      const beeToken = await addBeeToken(beeTokensFile(root), 'gpu-box', ['BEE-001']);
      const servers = new StoreServers(store, 'bee tokens');
      try {
        const server = await servers.start({ root, env: { HIVE_API_TOKEN: OPERATOR } });
        await use(Object.assign(server, { beeToken }));
      } finally {
        await servers.dispose();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

function call(server: ServerProcess, token: string, method: string, apiPath: string, body?: unknown) {
  return fetch(`${server.url}${apiPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function dispatchAsOperator(server: ServerProcess, bot_id = 'BEE-001') {
  const res = await call(server, OPERATOR, 'POST', '/api/tasks/run', {
    intent: 'code',
    title: 't',
    summary: 's',
    bot_id,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { task_id: string }).task_id;
}

test('a bee token claims, works and answers the tasks of its own bot', async ({ server }) => {
  const taskId = await dispatchAsOperator(server);
  const bee = server.beeToken;
  expect((await call(server, bee, 'POST', '/api/bees/gpu-1/heartbeat', { bots: ['BEE-001'] })).status).toBe(200);
  const claim = await call(server, bee, 'POST', '/api/bees/gpu-1/claim', { bots: ['BEE-001'], wait_seconds: 1 });
  expect(claim.status).toBe(200);
  const claimed = (await claim.json()) as { task_id: string; lease_token: string };
  expect(claimed.task_id).toBe(taskId);
  const lease = { lease_token: claimed.lease_token };
  expect((await call(server, bee, 'POST', `/api/tasks/${taskId}/lease`, lease)).status).toBe(200);
  expect(
    (await call(server, bee, 'POST', `/api/tasks/${taskId}/status`, { ...lease, status: 'in_progress' })).status,
  ).toBe(200);
  const answer = await call(server, bee, 'POST', `/api/tasks/${taskId}/response`, { ...lease, content: '# done' });
  expect(await answer.json()).toMatchObject({ task_id: taskId, attempt: 1, state: 'completed' });
  // Nothing is left: the next claim with no wait is 204, no body.
  const empty = await call(server, bee, 'POST', '/api/bees/gpu-1/claim', { bots: ['BEE-001'], wait_seconds: 0 });
  expect(empty.status).toBe(204);
  expect(await empty.text()).toBe('');
});

test('a bee token cannot dispatch, cancel, read tasks, use tRPC, or serve a bot it was not given (403)', async ({
  server,
}) => {
  const bee = server.beeToken;
  const otherTask = await dispatchAsOperator(server, 'BEE-002');
  const refusals = [
    ['POST', '/api/tasks/run', { intent: 'code', title: 't', summary: 's' }],
    ['POST', `/api/tasks/${otherTask}/cancel`, {}],
    ['GET', `/api/tasks/status/${otherTask}`, undefined],
    ['GET', '/api/hive/bots', undefined],
    ['GET', '/api/trpc/tasks.list?input=%7B%7D', undefined],
    ['POST', '/api/bees/gpu-1/claim', { bots: ['BEE-002'], wait_seconds: 0 }],
    ['POST', '/api/bees/gpu-1/heartbeat', { bots: ['BEE-001', 'BEE-002'] }],
  ] as const;
  for (const [method, apiPath, body] of refusals) {
    const res = await call(server, bee, method, apiPath, body);
    expect(res.status, `${method} ${apiPath}`).toBe(403);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('gpu-box');
  }
  const claim = await call(server, bee, 'POST', '/api/bees/gpu-1/claim', { bots: ['BEE-002'], wait_seconds: 0 });
  expect(((await claim.json()) as { error: { message: string } }).error.message).toMatch(
    /serves BEE-001; it may not claim tasks for BEE-002/,
  );
  // Its leases on another bot's task: the operator claimed it; the bee token may not touch it.
  const op = await call(server, OPERATOR, 'POST', '/api/bees/op/claim', { bots: ['BEE-002'], wait_seconds: 0 });
  const { lease_token } = (await op.json()) as { lease_token: string };
  expect((await call(server, bee, 'POST', `/api/tasks/${otherTask}/lease`, { lease_token })).status).toBe(403);
});

test('a token the server does not know is 401, and so is a revoked one, at once', async ({ server }) => {
  const heartbeat = (token: string) => call(server, token, 'POST', '/api/bees/gpu-1/heartbeat', { bots: ['BEE-001'] });
  const unknown = await heartbeat('hbt_not-a-token-of-this-server-000000');
  expect(unknown.status).toBe(401);
  expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/bee token is not one/);
  expect((await heartbeat('wrong-operator-token-0000000000')).status).toBe(401);
  const extra = await addBeeToken(beeTokensFile(server.root), 'short-lived', ['BEE-001']);
  expect((await heartbeat(extra)).status).toBe(200);
  expect(await revokeBeeToken(beeTokensFile(server.root), 'short-lived')).toBe(true);
  expect((await heartbeat(extra)).status).toBe(401);
});

test('the token file holds hashes only', async ({ server }) => {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(beeTokensFile(server.root), 'utf8');
  expect(text).not.toContain(server.beeToken);
  expect(text).toContain('"sha256"');
});
