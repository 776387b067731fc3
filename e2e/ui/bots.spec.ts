/** Pause and Resume from the dashboard: a paused bot's new tasks are held out of its inbox until it resumes. */
import { uniqueWord } from '../support/dashboard';
import { dispatch, expect, status, test } from '../support/fixtures';

test('a dispatch to a paused bot shows held; Resume puts it in the inbox, waiting', async ({ page, server, store }) => {
  const bot = `BOT-PAUSE-${uniqueWord()}`;
  const before = (await dispatch(server, { intent: 'code', title: 'before the pause', summary: 's', bot_id: bot }))
    .body;

  await page.goto(`${server.url}/hive`);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  const card = page.locator(`[data-testid="bot"][data-bot-id="${bot}"]`);
  await expect(card.getByTestId('waiting')).toHaveText('1');
  await card.getByRole('button', { name: `Pause ${bot}` }).click();
  await expect(card).toHaveAttribute('data-paused', 'true');
  await expect(card.getByTestId('paused')).toHaveText('paused');

  const during = await dispatch(server, { intent: 'code', title: 'during the pause', summary: 's', bot_id: bot });
  expect(during.body.state).toBe('held');
  await expect(card.getByTestId('held')).toHaveText('1');
  await expect(card.getByTestId('waiting')).toHaveText('1');

  // On the dashboard: the list shows it held, and the panel resumes the bot.
  await page.goto(`${server.url}/?bot_id=${bot}`);
  const row = (id: string) => page.locator(`[data-testid="task-row"][data-task-id="${id}"]`).getByTestId('state');
  await expect(row(during.body.task_id)).toHaveText('held');
  await expect(row(before.task_id)).toHaveText('waiting');
  const panelCard = page
    .getByRole('region', { name: 'Hive', exact: true })
    .locator(`[data-testid="bot"][data-bot-id="${bot}"]`);
  await panelCard.getByRole('button', { name: `Resume ${bot}` }).click();
  await expect(row(during.body.task_id)).toHaveText('waiting');
  await expect(panelCard).toHaveAttribute('data-paused', 'false');
  await expect(panelCard.getByTestId('held')).toHaveText('0');
  await expect(panelCard.getByTestId('waiting')).toHaveText('2');
  expect((await status(server, during.body.task_id)).body.task_path).toContain(
    store === 'files' ? `/tasks/${bot}/` : `postgres:tasks/${during.body.task_id}`,
  );
});
