/** The list's filters as they live in the URL, shared by the server prefetch and the client list. */
import { TASK_FILTER_KEYS, type TaskFilters, type TaskListInput } from '@/server/contracts/task-list';
import { TaskStateSchema } from '@/server/contracts/task-state';

export const PAGE_SIZE = 50;

export function filtersFromParams(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
): TaskFilters {
  const get = (key: string) =>
    params instanceof URLSearchParams ? params.get(key) : ([params[key]].flat()[0] ?? null);
  const filters: TaskFilters = {};
  for (const key of TASK_FILTER_KEYS) {
    const value = get(key)?.trim();
    if (value) filters[key] = value.slice(0, key === 'search' ? 200 : 64);
  }
  return filters;
}

export function paramsFromFilters(filters: TaskFilters): string {
  const params = new URLSearchParams();
  for (const key of TASK_FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** The list query a URL asks for: `state` only when it names a state, `stuck` only as `stuck=1` (or `true`). */
export function listInput(filters: TaskFilters): TaskListInput {
  const { state, stuck, ...text } = filters;
  const known = TaskStateSchema.safeParse(state);
  return {
    ...text,
    ...(known.success ? { state: known.data } : {}),
    ...(stuck === '1' || stuck === 'true' ? { stuck: true } : {}),
    limit: PAGE_SIZE,
  };
}

export const nextPage = (page: { next_cursor: number | null }) => page.next_cursor;

/** The URL's filters as a bulk action, a count and an export take them: the list's, without paging. */
export function filterInput(filters: TaskFilters): Omit<TaskListInput, 'limit' | 'cursor'> {
  const input: Omit<TaskListInput, 'limit' | 'cursor'> & Partial<Pick<TaskListInput, 'limit'>> = listInput(filters);
  delete input.limit;
  return input;
}

/** The export's query string: the same filters, as text (`stuck=1`). */
export function exportQuery(filters: TaskFilters, format: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filterInput(filters))) {
    if (value === true) params.set(key, '1');
    else if (typeof value === 'string') params.set(key, value);
  }
  params.set('format', format);
  return params.toString();
}
