'use client';
/**
 * Shared ticking clocks: one timer per interval for the whole page, however many ages it
 * shows, so a list of hundreds of rows never runs hundreds of timers.
 */
import { useSyncExternalStore } from 'react';

export interface Clock {
  now: number;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setInterval> | null;
  /** One function per clock: a new one each render would make React resubscribe on every render. */
  subscribe: (listener: () => void) => () => void;
  read: () => number;
}

const clocks = new Map<number, Clock>();

/** The page's one clock for `intervalMs` (exported for its tests). */
export function sharedClock(intervalMs: number): Clock {
  const existing = clocks.get(intervalMs);
  if (existing) return existing;
  const clock: Clock = {
    now: Date.now(),
    listeners: new Set(),
    timer: null,
    subscribe(listener) {
      // Only a clock nobody watched jumps to now: moving it under components already shown
      // would make each of them render again, and under load that never settles (React #185).
      if (!clock.timer) {
        clock.now = Date.now();
        clock.timer = setInterval(() => {
          clock.now = Date.now();
          clock.listeners.forEach((l) => l());
        }, intervalMs);
      }
      clock.listeners.add(listener);
      return () => {
        clock.listeners.delete(listener);
        if (clock.listeners.size === 0 && clock.timer) {
          clearInterval(clock.timer);
          clock.timer = null;
        }
      };
    },
    read: () => clock.now,
  };
  clocks.set(intervalMs, clock);
  return clock;
}

/** The time now (ms), re-rendering every `intervalMs`. */
export function useNow(intervalMs: number): number {
  const clock = sharedClock(intervalMs);
  return useSyncExternalStore(clock.subscribe, clock.read, clock.read);
}

/** "12 s", "4 min", "3 h", "2 d": how long, at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}
