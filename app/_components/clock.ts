'use client';
/**
 * Shared ticking clocks: one timer per interval for the whole page, however many ages it
 * shows, so a list of hundreds of rows never runs hundreds of timers.
 */
import { useSyncExternalStore } from 'react';

interface Clock {
  now: number;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setInterval> | null;
}

const clocks = new Map<number, Clock>();

function clockFor(intervalMs: number): Clock {
  let clock = clocks.get(intervalMs);
  if (!clock) clocks.set(intervalMs, (clock = { now: Date.now(), listeners: new Set(), timer: null }));
  return clock;
}

function subscribe(intervalMs: number, listener: () => void): () => void {
  const clock = clockFor(intervalMs);
  clock.listeners.add(listener);
  clock.now = Date.now();
  clock.timer ??= setInterval(() => {
    clock.now = Date.now();
    clock.listeners.forEach((l) => l());
  }, intervalMs);
  return () => {
    clock.listeners.delete(listener);
    if (clock.listeners.size === 0 && clock.timer) {
      clearInterval(clock.timer);
      clock.timer = null;
    }
  };
}

/** The time now (ms), re-rendering every `intervalMs`. */
export function useNow(intervalMs: number): number {
  const clock = clockFor(intervalMs);
  return useSyncExternalStore(
    (listener) => subscribe(intervalMs, listener),
    () => clock.now,
    () => clock.now,
  );
}

/** "12 s", "4 min", "3 h", "2 d": how long, at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}
