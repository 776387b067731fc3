/** The live stream survives a server restart: the page reconnects and receives what it missed. */
import { tempHiveRoot } from '../../scripts/lib/server-process';
import { dispatch, expect, test, writeResponse } from '../support/fixtures';
import { answerAsBee } from '../support/hive-api';

test('the stream resumes after the server restarts, with nothing missed', async ({ page, store, servers }) => {
  const root = await tempHiveRoot();
  let server = await servers.start({ root });
  try {
    const { body } = await dispatch(server, { intent: 'code', title: 'survive a restart', summary: 's' });
    await page.goto(server.url);
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    await expect(page.getByTestId('task-row').first()).toContainText('survive a restart');

    await server.stop();
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'reconnecting');
    // Answered while the server is down: the restarted server notices it at start-up. On files, a
    // response file; on Postgres, a bee answers through another server on the same database.
    if (store === 'files') {
      await writeResponse(root, `${body.task_id}.md`, 'done while you were away');
    } else {
      const other = await servers.start({ root });
      await answerAsBee(other, store, { taskId: body.task_id, botId: 'BEE-001', content: 'done while you were away' });
      await other.stop();
    }
    server = await servers.start({ root, port: server.port });

    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
    await expect(page.getByTestId('activity')).toContainText('task_completed', { timeout: 20_000 });
    await expect(page.getByTestId('task-row').first().getByTestId('state')).toHaveText('completed');

    const after = await dispatch(server, { intent: 'design', title: 'after the restart', summary: 's' });
    await expect(page.getByTestId('task-row').first()).toContainText('after the restart');
    await expect(page.getByTestId('activity')).toContainText(after.body.task_id);
  } finally {
    await server.stop();
  }
});
