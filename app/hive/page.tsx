/** The hive's health on one page: every bot's inbox, every bee, every warning, live. */
import type { Metadata } from 'next';
import { HiveHealth } from '../_components/hive-health';
import { dashboardAuthorized } from '@/server/http/dashboard-access';
import { getQueryClient, HydrateClient, trpc } from '../_trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Bees and inboxes · Hive Control' };

export default async function HivePage() {
  // The layout shows the sign-in form instead; render (and fetch) nothing here.
  if (!(await dashboardAuthorized())) return null;
  await getQueryClient().prefetchQuery(trpc.hive.bots.queryOptions());
  return (
    <HydrateClient>
      <HiveHealth />
    </HydrateClient>
  );
}
