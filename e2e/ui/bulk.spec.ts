/**
 * Many tasks at once from the list: a whole filter (counted by the server and named in the
 * dialog before anything happens) or a shift-clicked range of rows, with the job's progress
 * followed to its end and each failure listed with why.
 */
import { uniqueWord } from '../support/dashboard';
import { dispatch, expect, status, test } from '../support/fixtures';
import { answerAsBee } from '../support/hive-api';

test('bulk cancel of a filter: the count is confirmed, progress runs to the end, the refused task is listed', async ({
  page,
  server,
  store,
}) => {
  const bot = `BOT-BULK-${uniqueWord()}`;
  const open: string[] = [];
  for (let i = 0; i < 12; i++) {
    open.push((await dispatch(server, { intent: 'code', title: `bulk ${i}`, summary: 's', bot_id: bot })).body.task_id);
  }
  // One already answered: cancelling it is refused, and the job says so.
  const done: string = (await dispatch(server, { intent: 'code', title: 'answered', summary: 's', bot_id: bot })).body
    .task_id;
  await answerAsBee(server, store, { taskId: done, botId: bot, content: 'answered already' });
  await expect.poll(async () => (await status(server, done)).body.state).toBe('completed');

  await page.goto(`${server.url}/?bot_id=${bot}`);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  const rows = page.getByTestId('task-row');
  await expect(rows).toHaveCount(13);
  const bar = page.getByTestId('bulk-bar');
  await expect(bar.getByTestId('bulk-scope')).toHaveText('All 13 tasks matching this filter');

  await bar.getByRole('button', { name: 'Cancel…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel 13 tasks?' });
  await expect(dialog.getByTestId('bulk-count')).toContainText('13 tasks match this filter now');
  await expect(dialog).toContainText('Tasks already finished are refused and listed');
  await dialog.getByRole('button', { name: 'Cancel 13 tasks' }).click();

  const progress = page.getByTestId('bulk-progress');
  await expect(progress).toHaveAttribute('data-state', 'finished');
  await expect(progress.getByTestId('bulk-summary')).toHaveText('Cancel: finished, 12 of 13 tasks done, 1 failed');
  const failures = progress.getByTestId('bulk-failures').locator('li');
  await expect(failures).toHaveCount(1);
  await expect(failures.first()).toHaveAttribute('data-task-id', done);
  await expect(failures.first()).toContainText('already completed');

  // The list follows: every open task cancelled, the answered one untouched.
  await expect(rows.getByTestId('state').filter({ hasText: 'cancelled' })).toHaveCount(12);
  await expect(page.locator(`[data-testid="task-row"][data-task-id="${done}"]`).getByTestId('state')).toHaveText(
    'completed',
  );
  for (const id of open) expect((await status(server, id)).body.state).toBe('cancelled');
});

test('shift-click selects a range of rows, and a bulk action touches exactly those', async ({
  page,
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'which rows a shift-click selects is the page alone; the filter test runs bulk on Postgres',
  );
  const bot = `BOT-RANGE-${uniqueWord()}`;
  for (let i = 0; i < 6; i++)
    await dispatch(server, { intent: 'code', title: `range ${i}`, summary: 's', bot_id: bot });
  await page.goto(`${server.url}/?bot_id=${bot}`);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  const rows = page.getByTestId('task-row');
  await expect(rows).toHaveCount(6);
  const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-task-id')!));
  const box = (i: number) => rows.nth(i).getByRole('checkbox');

  await box(1).click();
  await box(4).click({ modifiers: ['Shift'] });
  const selected = () => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-selected')));
  await expect.poll(selected).toEqual(['false', 'true', 'true', 'true', 'true', 'false']);
  // A shift-click on a selected row clears the range from the last one clicked.
  await box(3).click({ modifiers: ['Shift'] });
  await expect.poll(selected).toEqual(['false', 'true', 'true', 'false', 'false', 'false']);
  await box(3).click();
  await box(4).click({ modifiers: ['Shift'] });
  await expect.poll(selected).toEqual(['false', 'true', 'true', 'true', 'true', 'false']);

  const bar = page.getByTestId('bulk-bar');
  await expect(bar.getByLabel('the 4 tasks selected')).toBeChecked();
  await bar.getByRole('button', { name: 'Cancel…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel 4 tasks?' });
  await expect(dialog.getByTestId('bulk-count')).toHaveText('The 4 tasks you selected.');
  await dialog.getByRole('button', { name: 'Cancel 4 tasks' }).click();
  await expect(page.getByTestId('bulk-summary')).toHaveText('Cancel: finished, 4 of 4 tasks done, 0 failed');

  const states = () =>
    rows.evaluateAll((els) => els.map((el) => el.querySelector('[data-testid="state"]')!.textContent));
  await expect.poll(states).toEqual(['waiting', 'cancelled', 'cancelled', 'cancelled', 'cancelled', 'waiting']);
  for (const [i, id] of ids.entries()) {
    expect((await status(server, id)).body.state).toBe(i >= 1 && i <= 4 ? 'cancelled' : 'waiting');
  }
  // The job started from the selection, so the selection is spent.
  await expect.poll(selected).toEqual(['false', 'false', 'false', 'false', 'false', 'false']);
});
