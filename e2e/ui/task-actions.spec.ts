/**
 * The task page's actions in Chromium against the real server: each offered only when it
 * applies, each confirmed in a dialog that says what will happen, each visible in the
 * task's state as soon as the server has done it.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { uniqueWord } from '../support/dashboard';
import { dispatch, expect, status, test } from '../support/fixtures';
import { answerAsBee, taskEvents } from '../support/hive-api';
import { playBee } from '../support/http-bee-player';
import { alive, killRecorded, recordedPids } from '../support/pids';
import { startStoreBee } from '../support/store-bee';

async function openTask(page: Page, url: string, taskId: string) {
  await page.goto(`${url}/tasks/${taskId}`);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
}

const actions = (page: Page) => page.getByRole('group', { name: 'Actions on this task' });

test('Cancel: a task no bee claimed is cancelled at once; one a live bee holds is cancelling until the bee acknowledges', async ({
  page,
  server,
  store,
}) => {
  const bot = `BOT-CANCEL-${uniqueWord()}`;
  const bee = playBee(server, store, `bee-${uniqueWord()}`, bot);
  try {
    const unclaimed = (await dispatch(server, { intent: 'code', title: 'nobody took me', summary: 's', bot_id: bot }))
      .body;
    const claimed = (await dispatch(server, { intent: 'code', title: 'a bee took me', summary: 's', bot_id: bot }))
      .body;

    // Unclaimed: Cancel and Reassign apply; Retry and Reclaim do not.
    await openTask(page, server.url, unclaimed.task_id);
    await expect(page.getByTestId('state')).toHaveText('waiting');
    await expect(actions(page).getByRole('button')).toHaveText(['Cancel task…', 'Reassign…']);
    const trigger = actions(page).getByRole('button', { name: 'Cancel task…' });
    await trigger.click();
    const dialog = page.getByRole('dialog', { name: `Cancel ${unclaimed.task_id}?` });
    await expect(dialog).toContainText('No bee has claimed it');
    // The safe choice has the focus; Escape closes, and the focus goes back to the button that opened it.
    await expect(dialog.getByRole('button', { name: 'Back' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(trigger).toBeFocused();
    await expect(page.getByTestId('state')).toHaveText('waiting');
    await trigger.click();
    await dialog.getByLabel('Reason').fill('wrong repository');
    await dialog.getByRole('button', { name: 'Cancel the task' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('state')).toHaveText('cancelled');
    await expect(actions(page).getByRole('button')).toHaveText(['Retry…']);
    await expect(page.getByTestId('timeline')).toContainText('wrong repository');
    expect((await status(server, unclaimed.task_id)).body).toMatchObject({ state: 'cancelled' });

    // Claimed by a live bee and in progress: the bee is asked to stop.
    await bee.start();
    expect(await bee.claim(claimed.task_id)).toBe(true);
    await bee.setStatus(claimed.task_path, 'in_progress');
    await openTask(page, server.url, claimed.task_id);
    await expect(page.getByTestId('state')).toHaveText('in progress');
    await expect(actions(page).getByRole('button')).toHaveText(['Cancel task…']);
    await actions(page).getByRole('button', { name: 'Cancel task…' }).click();
    const asking = page.getByRole('dialog', { name: `Cancel ${claimed.task_id}?` });
    await expect(asking).toContainText(`${bee.name} holds it`);
    await asking.getByRole('button', { name: 'Cancel the task' }).click();
    await expect(page.getByTestId('state')).toHaveText('cancelling');
    await expect(page.getByTestId('action-notice')).toContainText(`${bee.name} was asked to stop`);
    await expect(actions(page).getByRole('button')).toHaveCount(0);
    // On files the bee is asked through a cancel file; over HTTP, in its next heartbeat reply.
    if (store === 'files') await access(path.join(server.root, '.deia', 'hive', 'cancels', claimed.task_id));

    // The bee acknowledges: cancelled.
    await bee.setStatus(claimed.task_path, 'cancelled');
    await expect(page.getByTestId('state')).toHaveText('cancelled');
  } finally {
    await bee.stop();
  }
});

test('Cancel from the dashboard stops a real bee’s `sleep 600`: the command is gone, the task cancelled, one terminal event', async ({
  page,
  server,
  store,
}) => {
  test.skip(store === 'postgres', 'the same cancel of a bee over HTTP as api/remote-bees.spec on Postgres: ui runs it');
  const bot = `BOT-SLEEP-${uniqueWord()}`;
  // Beside the hive, not in it: a bee over HTTP (Postgres) does not see the server's hive folder.
  const pids = path.join(server.root, '..', `pids-${bot}`);
  const bee = await startStoreBee(server, store, {
    bot,
    exec: `sh -c 'echo $$ >> ${pids}; sleep 600 & echo $! >> ${pids}; wait'`,
  });
  try {
    const { task_id: taskId } = (
      await dispatch(server, { intent: 'code', title: 'Runaway', summary: 's', bot_id: bot })
    ).body;
    await openTask(page, server.url, taskId);
    await expect(page.getByTestId('state')).toHaveText('in progress', { timeout: 20_000 });
    await expect.poll(async () => (await recordedPids(pids)).length).toBe(2);
    const commandPids = await recordedPids(pids);
    expect(commandPids.every(alive)).toBe(true);

    await actions(page).getByRole('button', { name: 'Cancel task…' }).click();
    await page
      .getByRole('dialog', { name: `Cancel ${taskId}?` })
      .getByRole('button', { name: 'Cancel the task' })
      .click();
    const clicked = Date.now();
    // (A bee over HTTP hears of the cancel in its next heartbeat reply, every 5 s.)
    await expect.poll(() => commandPids.filter(alive), { timeout: store === 'files' ? 5_000 : 7_000 }).toEqual([]);
    test.info().annotations.push({ type: 'command gone after', description: `${Date.now() - clicked} ms` });
    await expect(page.getByTestId('state')).toHaveText('cancelled');
    const terminal = (await taskEvents(server, taskId)).filter((e) =>
      ['task_completed', 'task_cancelled'].includes(e.event_type),
    );
    expect(terminal.map((e) => e.event_type)).toEqual(['task_cancelled']);
  } finally {
    bee.child.kill('SIGTERM');
    await bee.done;
    await killRecorded(pids);
  }
});

test('Retry with an edited summary dispatches a new attempt, and the lineage reads both ways', async ({
  page,
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'the retry and lineage actions.spec checks on Postgres, drawn by the same page: ui runs it',
  );
  const bot = `BOT-RETRY-${uniqueWord()}`;
  const { body } = await dispatch(server, {
    intent: 'code',
    title: 'try me twice',
    summary: 'first words',
    bot_id: bot,
  });
  await answerAsBee(server, store, { taskId: body.task_id, botId: bot, content: 'did it, badly' });

  await openTask(page, server.url, body.task_id);
  await expect(page.getByTestId('state')).toHaveText('completed');
  await expect(actions(page).getByRole('button')).toHaveText(['Retry…']);
  await actions(page).getByRole('button', { name: 'Retry…' }).click();
  const dialog = page.getByRole('dialog', { name: `Retry ${body.task_id}` });
  await expect(dialog.getByLabel('Title')).toHaveValue('try me twice');
  await expect(dialog.getByLabel('Summary')).toHaveValue('first words');
  await dialog.getByLabel('Summary').fill('second words, with the fix');
  await dialog.getByRole('button', { name: 'Retry as attempt 2' }).click();

  // The new task's page: what it retries, and the edited summary.
  await expect(page).not.toHaveURL(new RegExp(`/tasks/${body.task_id}$`));
  await expect(page.getByTestId('retry-of')).toHaveText(`Retry of ${body.task_id} (attempt 2)`);
  const retryId = new URL(page.url()).pathname.split('/').pop()!;
  await expect(page.getByTestId('summary')).toHaveText('second words, with the fix');
  await expect(page.getByTestId('state')).toHaveText('waiting');
  const retried = (await status(server, retryId)).body;
  expect(retried.task).toMatchObject({
    retried_from: body.task_id,
    attempt: 2,
    title: 'try me twice',
    summary: 'second words, with the fix',
    bot_id: bot,
  });

  // And back: the first task names its retry.
  await page.getByTestId('retry-of').getByRole('link', { name: body.task_id }).click();
  await expect(page.getByTestId('retried-as')).toHaveText(`Retried as ${retryId}`);
  await page.getByTestId('retried-as').getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${retryId}$`));

  // Its whole story downloads as JSON.
  await openTask(page, server.url, body.task_id);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export history (JSON)' }).click(),
  ]);
  const history = JSON.parse(await readFile(await download.path(), 'utf8'));
  expect(history.task_id).toBe(body.task_id);
  expect(history.events.map((e: { event_type: string }) => e.event_type)).toContain('task_retried');
});

test('Reassign shows where the task would go and the dry run’s warning before it moves it', async ({
  page,
  server,
  store,
}) => {
  const [from, to] = [`BOT-FROM-${uniqueWord()}`, `BOT-TO-${uniqueWord()}`];
  const { body } = await dispatch(server, { intent: 'design', title: 'move me', summary: 's', bot_id: from });
  await openTask(page, server.url, body.task_id);
  await expect(page.getByTestId('bot')).toHaveText(from);

  await actions(page).getByRole('button', { name: 'Reassign…' }).click();
  const dialog = page.getByRole('dialog', { name: `Reassign ${body.task_id}` });
  await dialog.getByLabel('Move to bot').fill(to);
  await dialog.getByRole('button', { name: 'Check the move' }).click();
  const preview = dialog.getByTestId('reassign-preview');
  // Where it would go: a task file in the new bot's inbox (files); on Postgres the task stays one row.
  await expect(preview).toContainText(store === 'files' ? `.deia/hive/tasks/${to}/` : `postgres:tasks/${body.task_id}`);
  await expect(preview.getByTestId('reassign-warnings')).toContainText(`No live bee serves ${to}`);
  // The dry run moved nothing.
  expect((await status(server, body.task_id)).body.task.bot_id).toBe(from);

  await dialog.getByRole('button', { name: `Reassign to ${to}` }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('bot')).toHaveText(to);
  await expect(page.getByTestId('state')).toHaveText('waiting');
  await expect(page.getByTestId('action-notice')).toContainText(`moved from ${from} to ${to}`);
  const moved = (await status(server, body.task_id)).body;
  expect(moved.task.bot_id).toBe(to);
  expect(moved.task_path).toContain(store === 'files' ? `/tasks/${to}/` : `postgres:tasks/${body.task_id}`);
  await expect(page.getByTestId('timeline')).toContainText(`${from} → ${to}`);
});

test('a summary of 300,000 characters shows its first 10,000 until Show all', async ({ page, server, store }) => {
  test.skip(store === 'postgres', 'how the page shows a long summary; api-pg reads a 900 kB summary back whole');
  const summary = `${'a'.repeat(10_000)}THE-REST${'b'.repeat(289_992)}`;
  const { body } = await dispatch(server, { intent: 'code', title: 'long read', summary });
  await openTask(page, server.url, body.task_id);
  const shown = page.getByTestId('summary');
  await expect(shown).toHaveAttribute('data-complete', 'false');
  expect((await shown.textContent())!.length).toBe(10_001);
  await expect(shown).not.toContainText('THE-REST');
  await page.getByRole('button', { name: 'Show all (300,000 characters)' }).click();
  await expect(shown).toHaveAttribute('data-complete', 'true');
  await expect(shown).toContainText('THE-REST');
  expect((await shown.textContent())!.length).toBe(300_000);
});
