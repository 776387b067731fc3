/**
 * Browser-side latency (`npm run bench`, second half): in a real Chromium, the time from a
 * response file's write to its preview on screen, and from a curl-style dispatch to its
 * row on screen. The page stamps when each element appears (MutationObserver), so the
 * numbers do not include Playwright's polling.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './lib/chromium';
import { latencyOf, runPool } from './lib/measure';
import { startServer } from './lib/server-process';

const RUNS = 20;
const RESULTS_FILE = path.resolve(__dirname, '..', 'bench-results', 'latest.json');

/**
 * Stamps window.__seen[key] = Date.now() when a watched element first appears. A string,
 * not a function: tsx's transpiled helpers do not exist inside the page.
 */
const STAMPER = `(() => {
  const seen = (window.__seen = {});
  const stamp = () => {
    const now = Date.now();
    for (const row of document.querySelectorAll('[data-task-id]')) seen['row:' + row.dataset.taskId] ??= now;
    if (document.querySelector('[data-testid=markdown]')) seen.preview ??= now;
  };
  new MutationObserver(stamp).observe(document.body, { childList: true, subtree: true });
})()`;

async function watchScreen(page: Page): Promise<void> {
  await page.evaluate(STAMPER);
}

async function seenAt(page: Page, key: string, timeoutMs = 10_000): Promise<number> {
  const handle = await page.waitForFunction(`window.__seen[${JSON.stringify(key)}]`, undefined, {
    timeout: timeoutMs,
    polling: 50,
  });
  return (await handle.jsonValue()) as number;
}

async function dispatch(url: string, title: string): Promise<string> {
  const res = await fetch(`${url}/api/tasks/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ intent: 'code', title, summary: 'bench' }),
  });
  return ((await res.json()) as { task_id: string }).task_id;
}

/** Seeds the hive to 10,000 tasks, then times what an operator does with the page. */
async function withTenThousandTasks(url: string, page: Page) {
  const target = 10_000;
  const health = async () => ((await (await fetch(`${url}/api/health`)).json()) as { tasks: number }).tasks;
  const seeded = await health();
  await runPool(Math.max(0, target - seeded), 32, (i) => dispatch(url, `seed ${seeded + i + 1} alpha beta`));
  let t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('[data-testid=task-row]');
  const load = Date.now() - t0;
  await page.waitForSelector('[data-testid=live-indicator][data-state=live]');

  t0 = Date.now();
  await page.getByLabel('Lane').selectOption('llm');
  await page.waitForSelector('[data-testid=empty]');
  const filter = Date.now() - t0;
  await page.getByLabel('Lane').selectOption('');
  await page.waitForSelector('[data-testid=task-row]');

  t0 = Date.now();
  await page.getByRole('searchbox').fill('seed 9999');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/search=/);
  await page.waitForSelector('[data-testid=task-row]');
  const search = Date.now() - t0;
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForSelector('[data-testid=task-row]');

  // A burst of dispatches while the page is open: the page must keep up and stay responsive.
  await watchScreen(page);
  t0 = Date.now();
  const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => dispatch(url, `burst ${i}`)));
  const lastRow = (await seenAt(page, `row:${ids[ids.length - 1]}`, 30_000)) - t0;
  return { tasks: await health(), load_ms: load, filter_ms: filter, search_ms: search, burst_row_ms: lastRow };
}

function summary(samples: number[]) {
  const latency = latencyOf(samples);
  return { runs: latency.samples, median_ms: latency.p50_ms, worst_ms: latency.max_ms };
}

async function main(): Promise<void> {
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    // The page's CSP forbids evaluating strings; the bench's own stamping script is exempt.
    const page = await browser.newPage({ bypassCSP: true });
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=live-indicator][data-state=live]');
    await watchScreen(page);

    const dispatchToRow: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = Date.now();
      const id = await dispatch(server.url, `ui bench ${i}`);
      dispatchToRow.push((await seenAt(page, `row:${id}`)) - t0);
    }

    const writeToPreview: number[] = [];
    const responses = path.join(server.root, '.deia', 'hive', 'responses');
    const tmp = path.join(server.root, '.deia', 'hive', 'tmp');
    await mkdir(tmp, { recursive: true });
    for (let i = 0; i < RUNS; i++) {
      const id = await dispatch(server.url, `ui preview bench ${i}`);
      await page.goto(`${server.url}/tasks/${id}`);
      await page.waitForSelector('[data-testid=live-indicator][data-state=live]');
      await page.waitForSelector('[data-testid=no-response]');
      await watchScreen(page);
      await writeFile(path.join(tmp, `${id}.md`), `# Answer ${i}\n\nwritten by the bench`);
      const t0 = Date.now();
      await rename(path.join(tmp, `${id}.md`), path.join(responses, `RESPONSE-${id}.md`));
      writeToPreview.push((await seenAt(page, 'preview')) - t0);
    }

    const big = await withTenThousandTasks(server.url, page);

    const results = {
      dispatch_to_row: summary(dispatchToRow),
      response_write_to_preview: summary(writeToPreview),
      with_10000_tasks: big,
    };
    console.log(`\n5. In the browser (Chromium), ${RUNS} runs each; target under 150 ms`);
    console.log('what                               median ms  worst ms');
    console.log('---------------------------------  ---------  --------');
    console.log(
      `curl dispatch -> row on screen     ${String(results.dispatch_to_row.median_ms).padStart(9)}  ${String(results.dispatch_to_row.worst_ms).padStart(8)}`,
    );
    console.log(
      `response write -> preview          ${String(results.response_write_to_preview.median_ms).padStart(9)}  ${String(results.response_write_to_preview.worst_ms).padStart(8)}`,
    );
    console.log(
      `with ${big.tasks} tasks: dashboard load ${big.load_ms} ms, filter ${big.filter_ms} ms, search ${big.search_ms} ms, ` +
        `live row during a 200-task burst ${big.burst_row_ms} ms`,
    );

    const previous = await readFile(RESULTS_FILE, 'utf8').then(
      (t) => JSON.parse(t) as object,
      () => ({}),
    );
    await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify({ ...previous, browser: results }, null, 2)}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
