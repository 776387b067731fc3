'use client';
/** The header's warning count: what an operator must not miss, one click from the stuck tasks. */
import Link from 'next/link';
import { useHiveHealth } from './use-hive-health';

export function HealthBadge() {
  const health = useHiveHealth();
  if (!health.data) return null;
  const count = health.data.warnings.length;
  if (count === 0) {
    return (
      <Link href="/hive" className="health-badge health-ok" data-testid="health-badge" data-count={0}>
        No warnings
      </Link>
    );
  }
  const words = `${count} ${count === 1 ? 'warning' : 'warnings'}`;
  return (
    <Link
      href="/?stuck=1"
      className="health-badge health-warn"
      data-testid="health-badge"
      data-count={count}
      aria-label={`${words}: show the stuck tasks`}
      title={health.data.warnings
        .slice(0, 5)
        .map((w) => w.message)
        .join('\n')}
    >
      <span aria-hidden="true">⚠</span> {words}
    </Link>
  );
}
