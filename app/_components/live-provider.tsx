'use client';
/**
 * One live connection per tab: follows `hive.live` from the ledger id the page was
 * rendered at, and turns bursts of events into at most one refetch of the task queries
 * per window, so many updates per second never freeze the page. When the connection is
 * lost for good (the server restarted), it resubscribes from the last id it saw, so
 * nothing in between is missed.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { LedgerEvent } from '@/server/contracts/ledger';
import { useTRPC } from '../_trpc/client';

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
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFlush = useRef(0);

  const flush = useCallback(() => {
    timer.current = null;
    lastFlush.current = performance.now();
    const batch = pending.current;
    pending.current = [];
    void queryClient.invalidateQueries(trpc.tasks.pathFilter(), { cancelRefetch: false });
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
