/** Human-readable renderings of what the server returns: dispatches, statuses, rows, events, routes. */
import type { LedgerEvent } from '../../server/contracts/ledger';
import type { RouterOutputs } from './client';
import { keyValues, table, truncate } from './output';

type Dispatch = RouterOutputs['tasks']['run'];
type Status = RouterOutputs['tasks']['status'];
type Completed = Extract<Status, { content: string }>;
type TaskRow = RouterOutputs['tasks']['list']['items'][number];
type RoutingInfo = RouterOutputs['routing']['table'];

const PREVIEW_CHARS = 1000;
const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time, because that is what the person at the terminal compares against. */
export function localTime(iso: string, withMs = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return withMs ? `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}` : hms;
}

export function localDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${localTime(iso)}`;
}

function ruleText(routing: { rule: string; source: string } | undefined): string {
  return routing
    ? `${routing.rule} (${routing.source === 'default' ? 'default table' : routing.source})`
    : '(not recorded)';
}

/** `extra` rows follow the task id (a retry's lineage). */
export function formatDispatch(d: Dispatch, extra: ReadonlyArray<readonly [string, string]> = []): string {
  return keyValues([
    ['dispatched', d.task_id],
    ...extra,
    ['state', d.state],
    ['bot', d.bot_id],
    ['lane', d.lane],
    ['provider', d.provider],
    ['delivery', d.delivery_mode],
    ['rule', ruleText(d.routing)],
    ['task path', d.task_path],
  ]);
}

export function formatResponse(r: Completed, rows: ReadonlyArray<readonly [string, string]> = []): string {
  const cut =
    r.content.length >= PREVIEW_CHARS
      ? `\n… (the first ${PREVIEW_CHARS} characters; the rest is in ${r.response_path})`
      : '';
  return `${keyValues([...rows, ['response', r.response_path]])}\n\n${r.content.replace(/\n$/, '')}${cut}`;
}

/** Where delivery stands; absent for a task the ledger has no row of (a stray file). */
const stateRow = (state: string | undefined): Array<readonly [string, string]> => (state ? [['state', state]] : []);

export function formatStatus(s: Exclude<Status, { status: 'not_found' }>): string {
  if ('content' in s) return formatResponse(s, [['status', 'completed'], ...stateRow(s.state)]);
  if ('warning' in s) {
    return keyValues([
      ['status', 'unreadable'],
      ...stateRow(s.state),
      ['task', s.task_id],
      ['task path', s.task_path],
      ['warning', s.warning],
    ]);
  }
  const t = s.task;
  return keyValues([
    ['status', s.status],
    ...stateRow(s.state),
    ['task', t.task_id],
    ['title', t.title],
    ['intent', t.intent],
    ['bot', t.bot_id],
    ['route', `${t.lane} / ${t.provider} / ${t.delivery_mode}`],
    ['rule', ruleText(t.routing)],
    ['created', localDateTime(t.created_at)],
    ...(t.retried_from ? ([['retry of', `${t.retried_from} (attempt ${t.attempt ?? 2})`]] as const) : []),
    ['task path', s.task_path],
  ]);
}

export function formatTaskRows(rows: readonly TaskRow[]): string {
  return table(
    ['TASK', 'STATE', 'STATUS', 'INTENT', 'LANE/PROVIDER', 'BOT', 'CREATED', 'TITLE'],
    rows.map((r) => [
      r.task_id,
      r.state,
      r.status,
      truncate(r.intent, 16),
      `${r.lane}/${r.provider}`,
      r.bot_id,
      localDateTime(r.created_at),
      truncate(r.title, 60),
    ]),
  );
}

function shortValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return truncate(text ?? String(value), 40);
}

/** `12:01:02.123  #42  task_routed  TASK-…  lane=terminal …`: one event, one line. */
export function formatEvent(e: LedgerEvent): string {
  const data = Object.entries(e.data)
    .map(([key, value]) => `${key}=${shortValue(value)}`)
    .join(' ');
  return [localTime(e.ts, true), `#${e.id}`, e.event_type.padEnd(22), e.task_id ?? '-', truncate(data, 120)]
    .join('  ')
    .trimEnd();
}

export function formatRoutes(info: RoutingInfo): string {
  const { rules, fallback } = info.table;
  const header = `Routing table: ${info.source === 'default' ? 'built-in default' : info.source}, loaded ${localDateTime(info.loaded_at)}`;
  const rows = [
    ...rules.map((r) => [r.name, r.intents.join(', '), r.lane, r.provider, r.delivery]),
    ['(fallback)', 'anything else', fallback.lane, fallback.provider, fallback.delivery],
  ];
  return `${header}\n\n${table(['RULE', 'INTENTS', 'LANE', 'PROVIDER', 'DELIVERY'], rows)}`;
}

type Explained = RouterOutputs['routing']['explain'];

/** Where an intent goes, then every rule of the table with whether it matched (the fallback fires when none did). */
export function formatExplain(intent: string, e: Explained): string {
  const header = `intent "${intent}" → ${e.lane} / ${e.provider} / ${e.delivery}, by rule ${ruleText(e)}`;
  const rows = [
    ...e.rules.map((r) => [r.name, r.intents.join(', '), r.matched ? 'yes' : 'no']),
    ['(fallback)', 'anything else', e.rule === 'fallback' ? 'yes' : 'no'],
  ];
  return `${header}\n\n${table(['RULE', 'INTENTS', 'MATCHED'], rows)}`;
}
