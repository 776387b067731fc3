/** One QueryClient recipe for the server (per request) and the browser (one per tab). */
import { QueryClient } from '@tanstack/react-query';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // The live stream invalidates what changes, so nothing needs refetching on focus.
      queries: { staleTime: 60_000, refetchOnWindowFocus: false, retry: 1 },
    },
  });
}
