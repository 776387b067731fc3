/** The task filters of `hive list`, shared by `hive bulk` and `hive export`: flags, checks, and the wire shapes. */
import { TASK_STATES } from '../../server/contracts/task-state';
import { closest } from '../lib/suggest';
import type { FlagSpecs } from './args';
import type { RouterInputs } from './client';
import { usageError } from './errors';

export type TaskFilter = RouterInputs['tasks']['count'];

export const FILTER_FLAGS = {
  state: { type: 'string', placeholder: 'STATE', help: `delivery state: ${TASK_STATES.join(', ')}` },
  stuck: {
    type: 'boolean',
    help: 'only tasks with a health warning (waiting with no live bee, a stale claim, running too long)',
  },
  status: { type: 'string', placeholder: 'S', help: 'active, in_progress, blocked, … (as the task file says)' },
  lane: { type: 'string', placeholder: 'L', help: 'e.g. terminal, llm' },
  provider: { type: 'string', placeholder: 'P', help: 'e.g. cli, default' },
  bot: { type: 'string', placeholder: 'ID', help: 'the bot it was given to' },
  intent: { type: 'string', placeholder: 'I', help: 'the intent it was sent with' },
  search: { type: 'string', placeholder: 'WORDS', help: 'words in title or summary, or a task id prefix' },
} as const satisfies FlagSpecs;

/** Server field names as the filter flags, for error messages. */
export const FILTER_FIELD_FLAGS = {
  state: '--state',
  stuck: '--stuck',
  status: '--status',
  lane: '--lane',
  provider: '--provider',
  bot_id: '--bot',
  intent: '--intent',
  search: '--search',
} as const;

interface FilterFlagValues {
  state?: string;
  stuck?: boolean;
  status?: string;
  lane?: string;
  provider?: string;
  bot?: string;
  intent?: string;
  search?: string;
}

type TaskState = (typeof TASK_STATES)[number];
const isState = (value: string): value is TaskState => (TASK_STATES as readonly string[]).includes(value);

/** `--state` is checked here so that a typo gets a suggestion before anything is sent. */
export function parseState(value: string | undefined): TaskState | undefined {
  if (value === undefined || isState(value)) return value;
  const guess = closest(value, TASK_STATES);
  throw usageError(
    `--state must be one of ${TASK_STATES.join(', ')} (got "${value}").${guess ? ` Did you mean ${guess}?` : ''}`,
  );
}

export function filterFromFlags(flags: FilterFlagValues): TaskFilter {
  const filter: TaskFilter = {};
  const state = parseState(flags.state);
  if (state !== undefined) filter.state = state;
  if (flags.stuck) filter.stuck = true;
  if (flags.status !== undefined) filter.status = flags.status;
  if (flags.lane !== undefined) filter.lane = flags.lane;
  if (flags.provider !== undefined) filter.provider = flags.provider;
  if (flags.bot !== undefined) filter.bot_id = flags.bot;
  if (flags.intent !== undefined) filter.intent = flags.intent;
  if (flags.search !== undefined) filter.search = flags.search;
  return filter;
}

export const hasFilter = (filter: TaskFilter): boolean => Object.keys(filter).length > 0;

/** The filter as the REST query string (`?state=waiting&stuck=1`). */
export function filterQuery(filter: TaskFilter): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    query.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return query;
}
