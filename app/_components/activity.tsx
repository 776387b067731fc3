'use client';
/** The most recent ledger events from the live stream, newest first. */
import Link from 'next/link';
import { useLive } from './live-provider';

export function Activity() {
  const { recent } = useLive();
  return (
    <section className="panel" aria-labelledby="activity-heading">
      <h2 id="activity-heading">Activity</h2>
      {recent.length === 0 ? (
        <p className="empty">Events appear here as they happen.</p>
      ) : (
        <ol className="activity" data-testid="activity">
          {recent.map((event) => (
            <li key={event.id}>
              <span className="muted">#{event.id}</span> <code>{event.event_type}</code>{' '}
              {event.task_id && <Link href={`/tasks/${event.task_id}`}>{event.task_id}</Link>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
