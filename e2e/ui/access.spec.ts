/** With an API token, the dashboard asks for it once, then works (live stream included) for the session, until it signs out. */
import { expect, test } from '../support/fixtures';
import { submitTask } from '../support/dashboard';

test('the dashboard asks for the token, refuses a wrong one, and then goes live', async ({ page, servers }) => {
  const token = 'ui-token-0123456789abcdef';
  const server = await servers.start({ env: { HIVE_API_TOKEN: token } });
  try {
    await page.goto(server.url);
    await expect(page.getByRole('heading', { name: 'Hive Control' })).toBeVisible();
    await expect(page.getByTestId('task-table')).toHaveCount(0);

    await page.getByLabel('API token').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('That is not the API token')).toBeVisible();

    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    await submitTask(page, { intent: 'code', title: 'behind a token', summary: 's' });
    await expect(page.getByTestId('task-row').first()).toContainText('behind a token');

    await page.reload();
    await expect(page.getByTestId('task-row').first()).toContainText('behind a token');
  } finally {
    await server.stop();
  }
});

test('DELETE /api/session signs the dashboard out: the next page asks for the token again', async ({
  page,
  servers,
}) => {
  const token = 'ui-token-0123456789abcdef';
  const server = await servers.start({ env: { HIVE_API_TOKEN: token } });
  try {
    await page.goto(server.url);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    const list = `${server.url}/api/trpc/tasks.list?input=%7B%7D`;
    // The browser's own cookie jar (page.request shares it) carries the session.
    expect((await page.request.get(list)).status()).toBe(200);

    const signedOut = await page.evaluate(async () => (await fetch('/api/session', { method: 'DELETE' })).status);
    expect(signedOut).toBe(204);

    expect((await page.request.get(list)).status()).toBe(401);
    await page.reload();
    await expect(page.getByLabel('API token')).toBeVisible();
    await expect(page.getByTestId('live-indicator')).toHaveCount(0);
  } finally {
    await server.stop();
  }
});
