/** A task's ledger events in order, each with what it means in a few words and the time since the step before. */
import type { Timeline as TimelineData } from '@/server/contracts/hive';
import type { LedgerEvent } from '@/server/contracts/ledger';

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** The facts of an event worth reading beside its type (who, where to, why). */
export function describeEvent(event: Pick<LedgerEvent, 'event_type' | 'data'>): string | null {
  const d = event.data;
  switch (event.event_type) {
    case 'task_routed':
      return str(d.rule) && `rule ${str(d.rule)}: ${str(d.lane)} / ${str(d.provider)} / ${str(d.delivery)}`;
    case 'task_dispatched':
      return str(d.bot_id) && `to ${str(d.bot_id)}`;
    case 'task_held':
      return `held: ${str(d.bot_id) ?? 'its bot'} is paused`;
    case 'task_released':
      return `into ${str(d.bot_id) ?? 'its bot'}’s inbox`;
    case 'task_claimed': {
      const who = str(d.bee) ?? str(d.bot_id);
      return (
        `${who ? `by ${who}` : ''}${typeof d.attempt === 'number' ? ` (attempt ${d.attempt})` : ''}`.trim() || null
      );
    }
    case 'task_status_changed':
      return str(d.status) && `${str(d.previous) ?? '?'} → ${str(d.status)}`;
    case 'task_claim_released':
    case 'task_claim_expired':
    case 'task_cancelled':
      return str(d.reason) ?? str(d.note);
    case 'task_cancel_requested':
      return [str(d.bee) && `asked ${str(d.bee)} to stop`, str(d.reason)].filter(Boolean).join(': ') || null;
    case 'task_reassigned':
      return `${str(d.from_bot)} → ${str(d.to_bot)}${d.held === true ? ' (held)' : ''}`;
    case 'task_retried':
      return str(d.retry_task_id) && `as ${str(d.retry_task_id)}`;
    default:
      return null;
  }
}

export function Timeline({ events }: { events: TimelineData['events'] }) {
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((event) => {
        const detail = describeEvent(event);
        return (
          <li key={event.id} data-event={event.event_type}>
            <code>{event.event_type}</code>
            {detail && <span className="event-detail"> {detail}</span>}
            <span className="muted">
              {event.since_previous_ms === null ? ' start' : ` +${event.since_previous_ms} ms`} · {event.actor}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
