/**
 * The bees-and-inboxes view followed live, with the test playing the bees: a bee comes
 * online, claims a task and dies with it; the header badge, the stuck filter and the task
 * page all say so; Reclaim puts the task back in the inbox; another bee answers it; and
 * the timeline tells that story with each step once.
 */
import { startServer } from '../../scripts/lib/server-process';
import { PlayedBee } from '../support/bee-player';
import { dispatch, expect, test } from '../support/fixtures';
import { taskEvents } from '../support/hive-api';

test('a bee dies holding a task: warned everywhere, reclaimed, answered by another bee, told once', async ({
  page,
  store,
}, testInfo) => {
  test.skip(
    store === 'postgres',
    'a file bee dies (its presence file names a dead pid, its claim file stays): over HTTP a bee loses its lease instead',
  );
  // A fresh hive, so the warning count is this story's alone; a fast fallback re-scan.
  const server = await startServer({ env: { HIVE_POLL_MS: '200' } });
  const bot = 'BOT-HEALTH';
  const first = new PlayedBee(server.root, 'bee-first', bot);
  const second = new PlayedBee(server.root, 'bee-second', bot);
  try {
    await page.goto(`${server.url}/hive`);
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    const badge = page.getByTestId('health-badge');
    await expect(badge).toHaveAttribute('data-count', '0');

    // The bee announces itself: it shows live.
    await first.start();
    const firstCard = page.locator('[data-testid="bee"][data-bee="bee-first"]');
    await expect(firstCard).toHaveAttribute('data-live', 'true');
    await expect(firstCard.getByTestId('bee-state')).toHaveText('live');
    await expect(firstCard).toContainText(bot);

    // A task for its bot; the bee claims it and starts.
    const { body } = await dispatch(server, { intent: 'code', title: 'the health story', summary: 's', bot_id: bot });
    const taskId: string = body.task_id;
    const botCard = page.locator(`[data-testid="bot"][data-bot-id="${bot}"]`);
    await expect(botCard.getByTestId('waiting')).toHaveText('1');
    expect(await first.claim(taskId)).toBe(true);
    await first.setStatus(body.task_path, 'in_progress');
    await expect(botCard.getByTestId('in-progress')).toHaveText('1');
    await expect(botCard.getByTestId('waiting')).toHaveText('0');
    await expect(firstCard.getByTestId('current-task')).toHaveText(taskId);
    await expect(badge).toHaveAttribute('data-count', '0');

    // It dies with the task in hand: offline at the next liveness check, and its claim is stale.
    await first.die();
    await expect(firstCard).toHaveAttribute('data-live', 'false');
    await expect(firstCard.getByTestId('bee-state')).toHaveText('offline');
    await expect(firstCard.getByTestId('offline-reason')).toHaveText('its process is gone');
    await expect(firstCard.getByText('Was working on')).toBeVisible();
    await expect(badge).toHaveAttribute('data-count', '1');
    await expect(badge).toHaveText(/1 warning/);
    const warning = page.locator('[data-testid="warning"][data-code="stale_claim"]');
    await expect(warning).toHaveAttribute('data-task-id', taskId);
    await expect(warning).toContainText('bee-first');
    // Its last heartbeat keeps ageing on screen, with no new data from the server.
    const heartbeat = firstCard.getByTestId('heartbeat');
    const seen = await heartbeat.textContent();
    await expect(heartbeat).not.toHaveText(seen ?? '');

    // Another bee comes up for the same bot (it does not touch a task claimed by someone else).
    await second.start();
    await expect(page.locator('[data-testid="bee"][data-bee="bee-second"]')).toHaveAttribute('data-live', 'true');
    await expect(page.getByTestId('live-bee-count')).toHaveText('1 live');
    await page.screenshot({ path: testInfo.outputPath('hive-health.png'), fullPage: true });
    await testInfo.attach('hive-health', { path: testInfo.outputPath('hive-health.png'), contentType: 'image/png' });

    // The badge leads to the stuck tasks: this one, still shown as in progress by the dead bee.
    await badge.click();
    await expect(page).toHaveURL(/\?stuck=1$/);
    await expect(page.getByLabel('Stuck only')).toBeChecked();
    const rows = page.getByTestId('task-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-task-id', taskId);
    await expect(rows.first().getByTestId('state')).toHaveText('in progress');

    // The task page says so too, and offers Reclaim.
    await rows.first().getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`/tasks/${taskId}$`));
    await expect(page.locator('[data-testid="task-warning"][data-code="stale_claim"]')).toContainText('bee-first');
    await expect(page.getByTestId('claimed-by')).toHaveText(`bee-first (bot ${bot})`);
    await page.getByRole('button', { name: 'Reclaim…' }).click();
    const dialog = page.getByRole('dialog', { name: `Reclaim ${taskId}?` });
    await expect(dialog).toContainText('bee-first');
    await expect(dialog).toContainText('as attempt 2');
    await dialog.getByRole('button', { name: 'Release the claim' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('state')).toHaveText('waiting');
    await expect(page.getByTestId('action-notice')).toContainText('the next claim is attempt 2');
    await expect(page.getByRole('button', { name: 'Reclaim…' })).toHaveCount(0);
    await expect(page.getByTestId('task-warning')).toHaveCount(0);
    // bee-second serves the bot, so a waiting task is not stuck: no warning is left.
    await expect(badge).toHaveAttribute('data-count', '0');

    // The live bee takes it and answers.
    expect(await second.claim(taskId)).toBe(true);
    await expect(page.getByTestId('state')).toHaveText('claimed');
    await expect(page.getByTestId('claimed-by')).toHaveText(`bee-second (bot ${bot})`);
    await second.answer(taskId, '# Done\n\nAnswered by **bee-second**');
    await expect(page.getByTestId('state')).toHaveText('completed');
    await expect(page.getByTestId('markdown')).toContainText('Answered by bee-second');

    // The timeline: each step once, in order, as the ledger has it.
    const timeline = page.getByTestId('timeline');
    await expect(timeline.locator('li[data-event="task_archived"]')).toHaveCount(1);
    const steps = await timeline
      .locator('li')
      .evaluateAll((items) =>
        items.map((li) => `${li.getAttribute('data-event')}${li.querySelector('.event-detail')?.textContent ?? ''}`),
      );
    const ledger = (await taskEvents(server, taskId)).map((e) => e.event_type);
    expect(steps.map((s) => s.split(' ')[0])).toEqual(ledger);
    expect(steps.filter((s) => s.startsWith('task_claimed'))).toEqual([
      'task_claimed by bee-first (attempt 1)',
      'task_claimed by bee-second (attempt 2)',
    ]);
    for (const once of ['task_claim_released', 'task_completed', 'task_archived']) {
      expect(
        ledger.filter((type) => type === once),
        once,
      ).toHaveLength(1);
    }
    const at = (prefix: string) => steps.findIndex((s) => s.startsWith(prefix));
    expect(at('task_claimed by bee-first')).toBeLessThan(at('task_claim_released'));
    expect(at('task_claim_released')).toBeLessThan(at('task_claimed by bee-second'));
    expect(at('task_claimed by bee-second')).toBeLessThan(at('task_completed'));
  } finally {
    await Promise.allSettled([first.stop(), second.stop()]);
    await server.stop();
  }
});
