/** The dashboard's task list in Chromium: "Load older tasks" pages through the cursor, and the Bot and Intent text filters. */
import type { Locator } from '@playwright/test';
import { dispatch, expect, test } from '../support/fixtures';

/** A name no other test's tasks carry (this worker's server is shared). */
const unique = () => Math.random().toString(36).slice(2, 10).replace(/\d/g, 'q');

const taskIds = (rows: Locator) => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-task-id')));

test('"Load older tasks" pages in the rest of the list, newest first, each task once', async ({ page, server }) => {
  const bot = `BEE-PAGE-${unique()}`;
  // 55 tasks: one more page than the dashboard's 50 rows.
  const dispatched: string[] = [];
  for (let i = 0; i < 55; i++) {
    const { body } = await dispatch(server, { intent: 'code', title: `paged ${i}`, summary: 's', bot_id: bot });
    dispatched.push(body.task_id);
  }
  const newestFirst = [...dispatched].reverse();

  await page.goto(`${server.url}/?bot_id=${bot}`);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  const rows = page.getByTestId('task-row');
  await expect(rows).toHaveCount(50);
  expect(await taskIds(rows)).toEqual(newestFirst.slice(0, 50));

  const older = page.getByRole('button', { name: 'Load older tasks' });
  await expect(older).toBeVisible();
  await older.click();
  await expect(rows).toHaveCount(55);
  expect(await taskIds(rows)).toEqual(newestFirst);
  await expect(older).toHaveCount(0);

  // A task dispatched now arrives at the top; the pages already loaded stay whole.
  const { body } = await dispatch(server, { intent: 'code', title: 'paged late', summary: 's', bot_id: bot });
  await expect(rows.first()).toHaveAttribute('data-task-id', body.task_id);
  await expect(rows).toHaveCount(56);
  expect(await taskIds(rows)).toEqual([body.task_id, ...newestFirst]);
});

test('the Bot and Intent filters narrow the list to what is typed, and live in the URL', async ({ page, server }) => {
  const word = unique();
  const [botA, botB, intent] = [`BEE-A-${word}`, `BEE-B-${word}`, `review-${word}`];
  const a = await dispatch(server, { intent, title: `${word} review by A`, summary: 's', bot_id: botA });
  const aCode = await dispatch(server, { intent: 'code', title: `${word} code by A`, summary: 's', bot_id: botA });
  const b = await dispatch(server, { intent, title: `${word} review by B`, summary: 's', bot_id: botB });

  await page.goto(`${server.url}/?search=${word}`);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  const tasks = page.getByRole('region', { name: 'Tasks' });
  const rows = tasks.getByTestId('task-row');
  await expect(rows).toHaveCount(3);

  // Bot: applied on Enter.
  await tasks.getByLabel('Bot').fill(botA);
  await tasks.getByLabel('Bot').press('Enter');
  await expect(page).toHaveURL(new RegExp(`bot_id=${botA}`));
  await expect(rows).toHaveCount(2);
  expect(await taskIds(rows)).toEqual([aCode.body.task_id, a.body.task_id]);

  // Intent: applied when the field is left.
  await tasks.getByLabel('Intent').fill(intent);
  await tasks.getByLabel('Intent').blur();
  await expect(page).toHaveURL(new RegExp(`intent=${intent}`));
  await expect(rows).toHaveCount(1);
  expect(await taskIds(rows)).toEqual([a.body.task_id]);

  // The URL carries both: a reload shows the same list and the same filters.
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(tasks.getByLabel('Bot')).toHaveValue(botA);
  await expect(tasks.getByLabel('Intent')).toHaveValue(intent);

  // Emptying the Bot field lifts that filter only.
  await tasks.getByLabel('Bot').fill('');
  await tasks.getByLabel('Bot').press('Enter');
  await expect(page).not.toHaveURL(/bot_id=/);
  await expect(rows).toHaveCount(2);
  expect(await taskIds(rows)).toEqual([b.body.task_id, a.body.task_id]);
});
