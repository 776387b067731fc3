'use client';
/**
 * One live connection per tab: follows `hive.live` from the ledger id the page was
 * rendered at, and turns bursts of events into at most one refetch of the affected queries
 * per window (lists, counts and inbox health on every event; a task's own views only on its
 * events), so many updates per second never freeze the page, and none is lost to a fetch
 * already under way (refetch-after.ts). When the connection is
 * lost for good (the server restarted), it resubscribes from the last id it saw, so
 * nothing in between is missed.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { LedgerEvent } from '@/server/contracts/ledger';
import { useTRPC } from '../_trpc/client';
import { refetchAfter } from './refetch-after';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

interface LiveContextValue {
  state: LiveState;
  /** The subscription's own status, for diagnosis. */
  link: string;
  recent: LedgerEvent[];
}

const LiveContext = createContext<LiveContextValue>({
  state: 'connecting',
  link: 'idle',
  recent: [],
});
export const useLive = () => useContext(LiveContext);

const FLUSH_MS = 50;
const RECENT = 30;

export function LiveProvider({ children, initialEventId }: { children: ReactNode; initialEventId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [recent, setRecent] = useState<LedgerEvent[]>([]);
  const [everLive, setEverLive] = useState(false);
  const pending = useRef<LedgerEvent[]>([]);
  /** Set on (re)connect: whatever changed meanwhile is unknown, so every view refetches. */
  const refreshAll = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFlush = useRef(0);

  const flush = useCallback(() => {
    timer.current = null;
    lastFlush.current = performance.now();
    const batch = pending.current;
    const all = refreshAll.current;
    pending.current = [];
    refreshAll.current = false;
    // Lists, counts and inbox health move with any event: a task's step, a bee coming or
    // going (the stuck filter follows liveness), a pause, a bulk job's progress.
    void refetchAfter(queryClient, trpc.tasks.list.pathFilter());
    void refetchAfter(queryClient, trpc.tasks.count.pathFilter());
    void refetchAfter(queryClient, trpc.hive.bots.pathFilter());
    void refetchAfter(queryClient, trpc.bulk.pathFilter());
    // One task's views only when one of its events arrived (its summary may be a megabyte).
    const touched = new Set(batch.map((e) => e.task_id).filter((id): id is string => id !== null));
    const forTask = (query: { queryKey: readonly unknown[] }) =>
      all || touched.has((query.queryKey[1] as { input?: { task_id?: string } } | undefined)?.input?.task_id ?? '');
    for (const path of [trpc.tasks.detail, trpc.tasks.timeline, trpc.tasks.status, trpc.tasks.history]) {
      void refetchAfter(queryClient, { ...path.pathFilter(), predicate: forTask });
    }
    if (batch.length) setRecent((prev) => [...batch.reverse(), ...prev].slice(0, RECENT));
  }, [queryClient, trpc]);

  const schedule = useCallback(() => {
    if (timer.current) return;
    // Leading edge: the first event after a quiet spell shows at once; a burst waits one window.
    const wait = Math.max(0, FLUSH_MS - (performance.now() - lastFlush.current));
    timer.current = setTimeout(flush, wait);
  }, [flush]);

  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const lastSeen = useRef(String(initialEventId));
  const [resumeFrom, setResumeFrom] = useState(String(initialEventId));
  const [attempt, setAttempt] = useState(0);

  // The callbacks write refs, so they go to the hook itself, which runs them from the stream and never while rendering.
  const subscription = useSubscription({
    ...trpc.hive.live.subscriptionOptions({ lastEventId: resumeFrom }),
    onStarted: () => {
      setEverLive(true);
      setAttempt(0);
      // Whatever changed while we were (re)connecting is refetched once.
      refreshAll.current = true;
      schedule();
    },
    onData: (tracked) => {
      lastSeen.current = tracked.id;
      pending.current.push(tracked.data);
      schedule();
    },
  });

  const { status, reset } = subscription;
  // The stream ended (the server stopped) or failed: resubscribe from the last id, backing off.
  const lost = status === 'error' || (status === 'idle' && everLive);
  useEffect(() => {
    if (!lost) return;
    const retry = setTimeout(
      () => {
        setAttempt((n) => n + 1);
        if (lastSeen.current !== resumeFrom) setResumeFrom(lastSeen.current);
        else reset();
      },
      Math.min(5_000, 250 * 2 ** attempt),
    );
    return () => clearTimeout(retry);
  }, [lost, reset, resumeFrom, attempt]);

  const state: LiveState = status === 'pending' ? 'live' : everLive ? 'reconnecting' : 'connecting';
  return <LiveContext.Provider value={{ state, link: status, recent }}>{children}</LiveContext.Provider>;
}

export function LiveIndicator() {
  const { state, link } = useLive();
  const label = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[state];
  return (
    <span
      className={`live live-${state}`}
      role="status"
      aria-live="polite"
      data-testid="live-indicator"
      data-state={state}
      data-link={link}
    >
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
