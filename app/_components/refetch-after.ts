/**
 * Refetching on live events without losing one. A refetch is asked for with
 * `cancelRefetch: false`, so a burst of events never cancels a slow list fetch again and
 * again (the page would never update). But then an event that arrives while a fetch is
 * under way is folded into that fetch, which may have read the hive before the event:
 * its change would show only with the next event, or never. So when a query was already
 * fetching, it is fetched once more after that fetch lands.
 */
import type { InvalidateQueryFilters, QueryClient } from '@tanstack/react-query';

export function refetchAfter(queryClient: QueryClient, filters: InvalidateQueryFilters): Promise<void> {
  const overtaken = queryClient.isFetching(filters) > 0;
  const refetch = { cancelRefetch: false };
  const first = queryClient.invalidateQueries(filters, refetch);
  return overtaken ? first.then(() => queryClient.invalidateQueries(filters, refetch)) : first;
}
