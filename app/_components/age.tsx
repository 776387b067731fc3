'use client';
/** "12 s ago", kept fresh by one shared ticking clock instead of a timer per row. */
import { formatAge, useNow } from './clock';

export function Age({ iso, tickMs = 5_000 }: { iso: string; tickMs?: number }) {
  const now = useNow(tickMs);
  return (
    // The server and the browser render a moment apart; the age is meant to differ.
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      {formatAge(now - Date.parse(iso))}
    </time>
  );
}
