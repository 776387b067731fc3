'use client';
/**
 * The live task list: where each task's delivery stands, filters and search kept in the
 * URL, rows paged in newest first; rows can be selected (shift-click for a range) for a
 * bulk action, walked with the keyboard, and the filtered list downloaded.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useId, useRef, useState, type FormEvent } from 'react';
import type { TaskFilters } from '@/server/contracts/task-list';
import { TASK_STATES } from '@/server/contracts/task-state';
import { useTRPC } from '../_trpc/client';
import { Age } from './age';
import { BulkBar } from './bulk-bar';
import { ExportLinks } from './export-links';
import { StateBadge, statusAddsToState } from './state-badge';
import { filterInput, filtersFromParams, listInput, nextPage, paramsFromFilters } from './task-filters';
import { useListKeys } from './use-list-keys';
import { useSelection } from './use-selection';

const STATUSES = ['active', 'in_progress', 'blocked', 'completed', 'cancelled'];

export function TaskList({ lanes, providers }: { lanes: string[]; providers: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = filtersFromParams(searchParams);
  const id = useId();
  const [search, setSearch] = useDraft(filters.search ?? '');
  const searchBox = useRef<HTMLInputElement>(null);
  const table = useRef<HTMLTableElement>(null);

  const list = useInfiniteQuery(
    trpc.tasks.list.infiniteQueryOptions(listInput(filters), { getNextPageParam: nextPage }),
  );

  const setFilters = (next: TaskFilters) => router.replace(`${pathname}${paramsFromFilters(next)}`, { scroll: false });
  const setFilter = (key: keyof TaskFilters, value: string) => setFilters({ ...filters, [key]: value || undefined });
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setFilter('search', search.trim());
  };
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  const rowIds = rows.map((r) => r.task_id);
  const filterKey = paramsFromFilters(filters);
  const filtered = filterKey !== '';
  const selection = useSelection(rowIds, filterKey);
  const selectedIds = rowIds.filter((rid) => selection.selected.has(rid));
  const allShown = rows.length > 0 && selectedIds.length === rows.length;

  useListKeys({
    table,
    search: searchBox,
    open: (taskId) => router.push(`/tasks/${taskId}`),
    toggle: (taskId) => selection.toggle(taskId),
  });

  return (
    <section className="panel tasks" aria-labelledby={`${id}-heading`}>
      <div className="panel-head">
        <h2 id={`${id}-heading`}>Tasks</h2>
        <span className="panel-tools">
          <ExportLinks filters={filters} />
          {filtered && (
            <button type="button" className="link-button" onClick={() => setFilters({})}>
              Clear filters
            </button>
          )}
        </span>
      </div>
      <div className="filters">
        <form onSubmit={onSearch} role="search" className="search">
          <label htmlFor={`${id}-search`} className="sr-only">
            Search by id prefix or words
          </label>
          <input
            id={`${id}-search`}
            ref={searchBox}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Search id prefix or words…  ( / )"
            aria-keyshortcuts="/"
          />
          <button type="submit">Search</button>
        </form>
        <FilterSelect
          label="State"
          value={filters.state}
          options={TASK_STATES}
          onChange={(v) => setFilter('state', v)}
        />
        <FilterSelect
          label="Status"
          value={filters.status}
          options={STATUSES}
          onChange={(v) => setFilter('status', v)}
        />
        <FilterSelect label="Lane" value={filters.lane} options={lanes} onChange={(v) => setFilter('lane', v)} />
        <FilterSelect
          label="Provider"
          value={filters.provider}
          options={providers}
          onChange={(v) => setFilter('provider', v)}
        />
        <FilterText label="Bot" value={filters.bot_id} onChange={(v) => setFilter('bot_id', v)} />
        <FilterText label="Intent" value={filters.intent} onChange={(v) => setFilter('intent', v)} />
        <span className="filter">
          <label className="checkbox stuck-filter">
            <input
              type="checkbox"
              checked={filters.stuck === '1' || filters.stuck === 'true'}
              onChange={(e) => setFilter('stuck', e.target.checked ? '1' : '')}
            />
            Stuck only
          </label>
        </span>
      </div>

      <BulkBar
        selectedIds={selectedIds}
        filter={filterInput(filters)}
        filtered={filtered}
        onStarted={() => selection.clear()}
      />

      {list.isPending ? (
        <p className="empty">Loading tasks…</p>
      ) : list.isError ? (
        <p className="empty error" role="alert">
          Could not load tasks: {list.error.message}.{' '}
          <button type="button" className="link-button" onClick={() => void list.refetch()}>
            Try again
          </button>
        </p>
      ) : rows.length === 0 ? (
        <p className="empty" data-testid="empty">
          {filtered
            ? 'No task matches these filters. Clear them to see every task.'
            : 'No tasks yet. Submit one with the form, or with curl (see the README).'}
        </p>
      ) : (
        <div className="table-wrap">
          <table data-testid="task-table" className="task-table" ref={table}>
            <caption className="sr-only">
              Tasks, newest first. Keys: j and k move between rows, Enter opens one, x selects it, / searches.
            </caption>
            <thead>
              <tr>
                <th scope="col" className="select">
                  <input
                    type="checkbox"
                    aria-label="Select every task shown"
                    checked={allShown}
                    ref={(el) => {
                      if (el) el.indeterminate = selectedIds.length > 0 && !allShown;
                    }}
                    onChange={(e) => selection.setAll(rowIds, e.target.checked)}
                  />
                </th>
                <th scope="col">Task</th>
                <th scope="col">State</th>
                <th scope="col">Lane</th>
                <th scope="col">Provider</th>
                <th scope="col">Delivery</th>
                <th scope="col">Bot</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((task) => {
                const selected = selection.selected.has(task.task_id);
                return (
                  <tr
                    key={task.task_id}
                    data-testid="task-row"
                    data-task-id={task.task_id}
                    data-selected={selected}
                    className={selected ? 'selected' : undefined}
                    tabIndex={-1}
                  >
                    <td className="select">
                      <input
                        type="checkbox"
                        aria-label={`Select ${task.task_id}`}
                        checked={selected}
                        onChange={(e) =>
                          selection.toggle(task.task_id, (e.nativeEvent as MouseEvent).shiftKey === true)
                        }
                      />
                    </td>
                    <td>
                      <Link href={`/tasks/${task.task_id}`} className="task-link">
                        <code>{task.task_id}</code>
                        <span className="task-title">{task.title}</span>
                      </Link>
                    </td>
                    <td data-label="State">
                      <StateBadge state={task.state} />
                      {statusAddsToState(task.state, task.status) && (
                        <span className="muted file-status" data-testid="status">
                          {' '}
                          status {task.status.replace(/_/g, ' ')}
                        </span>
                      )}
                      {task.claimed_by_bee && (task.state === 'claimed' || task.state === 'in_progress') && (
                        <span className="muted claimer"> by {task.claimed_by_bee}</span>
                      )}
                    </td>
                    <td data-label="Lane" data-testid="lane">
                      {task.lane}
                    </td>
                    <td data-label="Provider" data-testid="provider">
                      {task.provider}
                    </td>
                    <td data-label="Delivery">{task.delivery_mode}</td>
                    <td data-label="Bot">{task.bot_id}</td>
                    <td data-label="Age">
                      <Age iso={task.created_at} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? 'Loading…' : 'Load older tasks'}
        </button>
      )}
    </section>
  );
}

function FilterSelect(props: {
  label: string;
  value?: string;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  const id = useId();
  const options = props.value && !props.options.includes(props.value) ? [...props.options, props.value] : props.options;
  return (
    <span className="filter">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </span>
  );
}

function FilterText(props: { label: string; value?: string; onChange: (value: string) => void }) {
  const id = useId();
  const [value, setValue] = useDraft(props.value ?? '');
  return (
    <span className="filter">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        value={value}
        size={9}
        placeholder="any"
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => value !== (props.value ?? '') && props.onChange(value.trim())}
        onKeyDown={(e) => e.key === 'Enter' && props.onChange(value.trim())}
      />
    </span>
  );
}

/** A text box's draft of `value`: edits stay local until applied, and a new `value` (the URL changed) replaces them. */
function useDraft(value: string): [string, (draft: string) => void] {
  const [draft, setDraft] = useState(value);
  const [shown, setShown] = useState(value);
  // Adjusted while rendering rather than in an effect, so the box never paints a stale draft first.
  if (value !== shown) {
    setShown(value);
    setDraft(value);
  }
  return [draft, setDraft];
}
