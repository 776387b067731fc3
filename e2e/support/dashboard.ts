/** What an operator does on the dashboard, as steps the UI specs share. */
import type { Page } from '@playwright/test';

export async function submitTask(page: Page, task: { intent: string; title: string; summary: string }) {
  const form = page.getByRole('region', { name: 'Submit a task' });
  await form.getByLabel('Intent').fill(task.intent);
  await form.getByLabel('Title').fill(task.title);
  await form.getByLabel('Summary').fill(task.summary);
  await form.getByRole('button', { name: 'Dispatch' }).click();
}

/** A word no other test's tasks carry (a worker's server is shared): letters only, so it is never read as an id prefix. */
export const uniqueWord = () =>
  Math.random()
    .toString(36)
    .slice(2, 10)
    .replace(/\d/g, (d) => 'qwertyuiop'[Number(d)]!);
