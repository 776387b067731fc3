/** The typed tRPC client of a Hive Control server: the only place that knows the transport. */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../server/trpc/root';

export type HiveClient = TRPCClient<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const DEFAULT_URL = 'http://127.0.0.1:8010';

/** `http://host:port` without a trailing slash or `/api/trpc`, so messages show what a person typed. */
export function normalizeBaseUrl(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/api\/trpc$/, '');
}

export function createHiveClient(
  baseUrl: string = process.env.HIVE_URL ?? DEFAULT_URL,
  token: string | undefined = process.env.HIVE_API_TOKEN || undefined,
): HiveClient {
  const url = `${normalizeBaseUrl(baseUrl)}/api/trpc`;
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          // The eventsource package fetches through this, so the token rides along like any header.
          eventSourceOptions: () => ({
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...auth } }),
          }),
        }),
        // One call per command, so batching would only add latency and blur error codes.
        false: httpLink({ url, headers: () => auth }),
      }),
    ],
  });
}
