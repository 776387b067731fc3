/** The list's keyboard, the routing panel's "Where would this go?", and downloads of the filtered list. */
import { readFile } from 'node:fs/promises';
import { uniqueWord } from '../support/dashboard';
import { dispatch, expect, test } from '../support/fixtures';

test('keyboard: / focuses search, j and k walk the rows, x selects, Enter opens; keys typed into a field stay there', async ({
  page,
  server,
}) => {
  const bot = `BOT-KEYS-${uniqueWord()}`;
  for (let i = 0; i < 3; i++) await dispatch(server, { intent: 'code', title: `keys ${i}`, summary: 's', bot_id: bot });
  await page.goto(`${server.url}/?bot_id=${bot}`);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  const rows = page.getByTestId('task-row');
  await expect(rows).toHaveCount(3);
  const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-task-id')!));

  await page.keyboard.press('/');
  const search = page.getByRole('searchbox');
  await expect(search).toBeFocused();
  await page.keyboard.type('jkx');
  await expect(search).toHaveValue('jkx');
  await expect(rows.first()).not.toBeFocused();
  await search.fill('');

  // Out of the field (the list's heading is not focusable: focus goes to the page).
  await page.getByRole('heading', { name: 'Tasks' }).click();
  await page.keyboard.press('j');
  await expect(rows.nth(0)).toBeFocused();
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await expect(rows.nth(2)).toBeFocused();
  await page.keyboard.press('j');
  await expect(rows.nth(2)).toBeFocused();
  await page.keyboard.press('k');
  await expect(rows.nth(1)).toBeFocused();

  await page.keyboard.press('x');
  await expect(rows.nth(1)).toHaveAttribute('data-selected', 'true');
  await expect(page.getByTestId('bulk-bar')).toContainText('the 1 task selected');
  await page.keyboard.press('x');
  await expect(rows.nth(1)).toHaveAttribute('data-selected', 'false');

  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/tasks/${ids[1]}$`));
  await expect(page.getByRole('heading', { name: ids[1] })).toBeVisible();
});

test('Where would this go? names the rule that fires and whether each rule matched', async ({ page, server }) => {
  await page.goto(server.url);
  const panel = page.getByTestId('routing-panel');
  const intent = panel.getByLabel('Intent to explain');
  const result = panel.getByTestId('explain-result');
  const matched = () =>
    result
      .getByTestId('explain-rule')
      .evaluateAll((els) => els.map((el) => `${el.getAttribute('data-rule')}=${el.getAttribute('data-matched')}`));

  await intent.fill('Planning');
  await panel.getByRole('button', { name: 'Explain' }).click();
  await expect(result.getByTestId('explain-rule-fired')).toHaveText('design-planning');
  await expect(result).toContainText('llm / default / cache_prompt');
  await expect.poll(matched).toEqual(['design-planning=true', 'code=false', 'fallback=false']);

  await intent.fill('review');
  await intent.press('Enter');
  await expect(result.getByTestId('explain-rule-fired')).toHaveText('fallback');
  await expect.poll(matched).toEqual(['design-planning=false', 'code=false', 'fallback=true']);

  await intent.fill('');
  await panel.getByRole('button', { name: 'Explain' }).click();
  await expect(panel.getByRole('alert')).toContainText('intent must not be empty');
});

test('the filtered list downloads as CSV (header, RFC 4180 quoting) and as JSON', async ({ page, server }) => {
  const bot = `BOT-EXPORT-${uniqueWord()}`;
  const title = 'Hello, "quoted" world';
  const { body } = await dispatch(server, { intent: 'code', title, summary: 's', bot_id: bot });
  await dispatch(server, { intent: 'code', title: 'another bot', summary: 's', bot_id: `${bot}-OTHER` });
  await page.goto(`${server.url}/?bot_id=${bot}`);
  await expect(page.getByTestId('task-row')).toHaveCount(1);

  const download = async (label: string) => {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: `Download as ${label}` }).click(),
    ]);
    return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
  };

  const csv = await download('CSV');
  expect(csv.name).toMatch(/^hive-tasks-.*\.csv$/);
  const lines = csv.text.trimEnd().split('\r\n');
  expect(lines[0]).toBe(
    'task_id,bot_id,intent,title,state,status,lane,provider,delivery_mode,rule,routing_source,created_at,updated_at,' +
      'state_since,claimed_by,claimed_by_bee,attempt,completed_at,response_path,retried_from,retried_by,task_path',
  );
  // Only the filter's task, its title quoted whole.
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`${body.task_id},${bot},code,"Hello, ""quoted"" world",waiting,active,`);

  const json = await download('JSON');
  expect(JSON.parse(json.text)).toEqual([expect.objectContaining({ task_id: body.task_id, title, state: 'waiting' })]);
});

test('on a narrow screen the task list comes first', async ({ page, server }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(server.url);
  const top = async (name: string) => (await page.getByRole('region', { name, exact: true }).boundingBox())!.y;
  expect(await top('Tasks')).toBeLessThan(await top('Submit a task'));
  await page.setViewportSize({ width: 1280, height: 800 });
  // Side by side on a wide one: the form on the left, level with the list.
  const [tasks, submit] = await Promise.all(
    ['Tasks', 'Submit a task'].map(
      async (name) => (await page.getByRole('region', { name, exact: true }).boundingBox())!,
    ),
  );
  expect(submit!.x).toBeLessThan(tasks!.x);
});
