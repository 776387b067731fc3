/** Downloads of the list as filtered now: same-origin links, so the session cookie rides along. */
import type { TaskFilters } from '@/server/contracts/task-list';
import { exportQuery } from './task-filters';

const FORMATS = [
  { format: 'csv', label: 'CSV' },
  { format: 'json', label: 'JSON' },
  { format: 'ndjson', label: 'NDJSON' },
] as const;

export function ExportLinks({ filters }: { filters: TaskFilters }) {
  return (
    <span className="export-links" role="group" aria-label="Download the tasks matching these filters">
      <span className="muted">Download</span>
      {FORMATS.map(({ format, label }) => (
        <a
          key={format}
          className="button-link"
          href={`/api/tasks/export?${exportQuery(filters, format)}`}
          download
          aria-label={`Download as ${label}`}
        >
          {label}
        </a>
      ))}
    </span>
  );
}
