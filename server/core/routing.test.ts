import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_TABLE, RoutingTableStore, decideRoute } from './routing';

const defaults = { table: DEFAULT_ROUTING_TABLE, source: 'default' as const, loadedAt: '' };

describe('decideRoute with the default table', () => {
  it.each([
    ['design', 'llm', 'default', 'cache_prompt', 'design-planning'],
    ['planning', 'llm', 'default', 'cache_prompt', 'design-planning'],
    ['code', 'terminal', 'cli', 'task_file', 'code'],
    ['research', 'llm', 'default', 'cache_prompt', 'fallback'],
  ])('routes %s to %s/%s/%s (rule %s)', (intent, lane, provider, delivery, rule) => {
    expect(decideRoute(intent, defaults)).toEqual({ lane, provider, delivery, rule, source: 'default' });
  });

  it('ignores case and surrounding space in the intent', () => {
    expect(decideRoute('  CODE ', defaults).lane).toBe('terminal');
  });
});

describe('RoutingTableStore and .deia/routing.json', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'routing-'));
    file = path.join(dir, 'routing.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const custom = {
    rules: [{ name: 'reviews', intents: ['review'], lane: 'llm', provider: 'claude', delivery: 'task_file' }],
    fallback: { lane: 'terminal', provider: 'cli', delivery: 'task_file' },
  };

  it('uses the default table when there is no file', async () => {
    const store = new RoutingTableStore(file);
    expect(await store.reload()).toMatchObject({ ok: true, changed: false });
    expect(store.active.source).toBe('default');
  });

  it('replaces the default with a valid file and records where a decision came from', async () => {
    await writeFile(file, JSON.stringify(custom));
    const store = new RoutingTableStore(file);
    expect(await store.reload()).toMatchObject({ ok: true, changed: true });
    expect(store.decide('review')).toEqual({
      lane: 'llm',
      provider: 'claude',
      delivery: 'task_file',
      rule: 'reviews',
      source: '.deia/routing.json',
    });
    expect(store.decide('code')).toMatchObject({ lane: 'terminal', rule: 'fallback', source: '.deia/routing.json' });
  });

  it('reports an invalid file clearly and keeps the last good table in force', async () => {
    await writeFile(file, JSON.stringify(custom));
    const store = new RoutingTableStore(file);
    await store.reload();

    await writeFile(file, JSON.stringify({ rules: [{ name: 'x', intents: [], lane: 'a/b' }] }));
    const result = await store.reload();
    expect(result.ok).toBe(false);
    expect(store.error).toMatch(/routing\.json is invalid: .*rules\.0\.intents/);
    expect(store.error).toMatch(/fallback/);
    expect(store.decide('review').provider).toBe('claude');
  });

  it('reports a file that is not JSON', async () => {
    await writeFile(file, '{ rules: ');
    const store = new RoutingTableStore(file);
    expect(await store.reload()).toMatchObject({ ok: false });
    expect(store.error).toMatch(/not valid JSON/);
    expect(store.active.source).toBe('default');
  });

  it('refuses an intent claimed by two rules', async () => {
    const clash = {
      rules: [
        { name: 'a', intents: ['code'], lane: 'x', provider: 'y', delivery: 'z' },
        { name: 'b', intents: ['CODE'], lane: 'x', provider: 'y', delivery: 'z' },
      ],
      fallback: custom.fallback,
    };
    await writeFile(file, JSON.stringify(clash));
    const store = new RoutingTableStore(file);
    await store.reload();
    expect(store.error).toMatch(/already routed by rule "a"/);
  });

  it('goes back to the default when the file is removed', async () => {
    await writeFile(file, JSON.stringify(custom));
    const store = new RoutingTableStore(file);
    await store.reload();
    await rm(file);
    expect(await store.reload()).toMatchObject({ ok: true, changed: true });
    expect(store.active.source).toBe('default');
  });
});
