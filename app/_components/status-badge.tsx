/** A task status as a coloured badge; unknown statuses written by bees still show, neutrally. */
const KNOWN = new Set(['active', 'in_progress', 'blocked', 'completed', 'unreadable']);

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${KNOWN.has(status) ? status : 'other'}`} data-testid="status">
      {status.replace(/_/g, ' ')}
    </span>
  );
}
