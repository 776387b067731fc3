/** What an operator does on the dashboard, as steps the UI specs share. */
import type { Page } from '@playwright/test';

export async function submitTask(page: Page, task: { intent: string; title: string; summary: string }) {
  const form = page.getByRole('region', { name: 'Submit a task' });
  await form.getByLabel('Intent').fill(task.intent);
  await form.getByLabel('Title').fill(task.title);
  await form.getByLabel('Summary').fill(task.summary);
  await form.getByRole('button', { name: 'Dispatch' }).click();
}
