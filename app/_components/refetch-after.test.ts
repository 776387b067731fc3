/** A live event that lands while its query is already fetching still shows: the query fetches again once that fetch lands. */
import { QueryClient, QueryObserver, type InvalidateQueryFilters } from '@tanstack/react-query';
import { expect, it } from 'vitest';
import { refetchAfter } from './refetch-after';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function race(refetch: (client: QueryClient, filters: InvalidateQueryFilters) => Promise<void>) {
  let hive = 'waiting';
  const client = new QueryClient();
  // The server reads the hive, then takes a while to answer.
  const observer = new QueryObserver(client, {
    queryKey: ['tasks'],
    queryFn: async () => {
      const read = hive;
      await sleep(30);
      return read;
    },
  });
  const stop = observer.subscribe(() => undefined);
  while (observer.getCurrentResult().data === undefined) await sleep(5);
  // A first event starts a fetch; the hive changes while it is under way, and that event arrives now.
  void refetch(client, { queryKey: ['tasks'] });
  await sleep(5);
  hive = 'cancelled';
  await refetch(client, { queryKey: ['tasks'] });
  await sleep(50);
  const shown = observer.getCurrentResult().data;
  stop();
  return shown;
}

it('an event during a fetch refetches once that fetch lands, so the change shows', async () => {
  expect(await race(refetchAfter)).toBe('cancelled');
});

it('(the control: folded into the fetch under way, the change is lost)', async () => {
  const folded = (client: QueryClient, filters: InvalidateQueryFilters) =>
    client.invalidateQueries(filters, { cancelRefetch: false });
  expect(await race(folded)).toBe('waiting');
});
