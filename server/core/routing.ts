/** decideRoute and the routing table in force: the default, or a validated `.deia/routing.json`. */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ExplainResult } from '../contracts/actions';
import { describeIssues } from '../contracts/issues';
import { RoutingTableSchema, type RouteDecision, type RoutingSource, type RoutingTable } from '../contracts/routing';

/** The seed's router: design/planning and unknown intents go to the LLM lane, code to the terminal. */
export const DEFAULT_ROUTING_TABLE: RoutingTable = {
  rules: [
    {
      name: 'design-planning',
      intents: ['design', 'planning'],
      lane: 'llm',
      provider: 'default',
      delivery: 'cache_prompt',
    },
    { name: 'code', intents: ['code'], lane: 'terminal', provider: 'cli', delivery: 'task_file' },
  ],
  fallback: { lane: 'llm', provider: 'default', delivery: 'cache_prompt' },
};

export interface ActiveRoutingTable {
  table: RoutingTable;
  source: RoutingSource;
  loadedAt: string;
}

export function decideRoute(intent: string, active: ActiveRoutingTable): RouteDecision {
  const wanted = intent.trim().toLowerCase();
  const rule = active.table.rules.find((r) => r.intents.some((i) => i.trim().toLowerCase() === wanted));
  const target = rule ?? active.table.fallback;
  return {
    lane: target.lane,
    provider: target.provider,
    delivery: target.delivery,
    rule: rule?.name ?? 'fallback',
    source: active.source,
  };
}

/** Where a task with this intent would go and why: every rule, and whether it matched. */
export function explainRoute(intent: string, active: ActiveRoutingTable): ExplainResult {
  const wanted = intent.trim().toLowerCase();
  const decision = decideRoute(intent, active);
  return {
    lane: decision.lane,
    provider: decision.provider,
    delivery: decision.delivery,
    rule: decision.rule,
    source: decision.source,
    rules: active.table.rules.map((rule) => ({
      name: rule.name,
      intents: rule.intents,
      matched: rule.intents.some((i) => i.trim().toLowerCase() === wanted),
    })),
  };
}

export type RoutingLoad = { ok: true; active: ActiveRoutingTable; changed: boolean } | { ok: false; error: string };

/**
 * Holds the table in force. A missing file means the default; an invalid file is
 * reported and the last good table stays in force.
 */
export class RoutingTableStore {
  private current: ActiveRoutingTable = {
    table: DEFAULT_ROUTING_TABLE,
    source: 'default',
    loadedAt: new Date().toISOString(),
  };
  private lastError: string | null = null;
  private lastText: string | null = null;

  constructor(private readonly file: string) {}

  get active(): ActiveRoutingTable {
    return this.current;
  }

  get error(): string | null {
    return this.lastError;
  }

  decide(intent: string): RouteDecision {
    return decideRoute(intent, this.current);
  }

  async reload(): Promise<RoutingLoad> {
    let text: string | null;
    try {
      text = await readRoutingFile(this.file);
    } catch (err) {
      return this.reject(`cannot read .deia/routing.json: ${(err as Error).message}`);
    }
    if (text === this.lastText && this.lastError === null) {
      return { ok: true, active: this.current, changed: false };
    }
    this.lastText = text;
    if (text === null) {
      const changed = this.current.source !== 'default';
      if (changed)
        this.current = { table: DEFAULT_ROUTING_TABLE, source: 'default', loadedAt: new Date().toISOString() };
      this.lastError = null;
      return { ok: true, active: this.current, changed };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the file; it is not repeated to API callers.
      return this.reject(`.deia/routing.json is not valid JSON${jsonErrorLine(text)}`);
    }
    const parsed = RoutingTableSchema.safeParse(json);
    if (!parsed.success) {
      return this.reject(`.deia/routing.json is invalid: ${describeIssues(parsed.error)}`);
    }
    this.current = { table: parsed.data, source: '.deia/routing.json', loadedAt: new Date().toISOString() };
    this.lastError = null;
    return { ok: true, active: this.current, changed: true };
  }

  private reject(error: string): RoutingLoad {
    this.lastError = `${error} (keeping the ${this.current.source} table in force)`;
    return { ok: false, error: this.lastError };
  }
}

const MAX_ROUTING_BYTES = 256 * 1024;

/**
 * The file's text, or null when there is none. Only a regular file is read: not a symlink
 * (it could point anywhere), not a named pipe (it would hold a thread forever), nothing huge.
 */
async function readRoutingFile(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new Error(code === 'ELOOP' ? 'it is a symlink, which is not followed' : `${code ?? 'unreadable'}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('it is not a regular file');
    if (stat.size > MAX_ROUTING_BYTES) throw new Error(`it is larger than ${MAX_ROUTING_BYTES} bytes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Where JSON.parse gave up, as a line number, without quoting the text. */
function jsonErrorLine(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    if (position === undefined) return '';
    return ` (line ${text.slice(0, Number(position)).split('\n').length})`;
  }
}
