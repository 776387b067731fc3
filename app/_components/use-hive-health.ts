'use client';
/**
 * Inbox health (`hive.bots`), one query shared by the header badge, the hive view and the
 * task page. Ledger events refetch it (live-provider); the slow poll only refreshes the
 * heartbeats, which are not ledger events, and the ages tick in between on the page's clock.
 */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../_trpc/client';

const HEARTBEAT_REFRESH_MS = 10_000;

export function useHiveHealth() {
  const trpc = useTRPC();
  return useQuery(trpc.hive.bots.queryOptions(undefined, { refetchInterval: HEARTBEAT_REFRESH_MS }));
}
