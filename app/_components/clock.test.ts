/**
 * The shared clock behind every ticking age, as useSyncExternalStore sees it. React calls
 * `subscribe` again whenever its identity changes, then re-renders any component whose
 * snapshot moved meanwhile; a clock that moved on each subscribe kept a loaded page
 * re-rendering until React gave up ("Maximum update depth exceeded", React #185).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sharedClock } from './clock';

afterEach(() => vi.useRealTimers());

describe('the shared clock', () => {
  it('hands React the same subscribe and read functions every render', () => {
    expect(sharedClock(1_000).subscribe).toBe(sharedClock(1_000).subscribe);
    expect(sharedClock(1_000).read).toBe(sharedClock(1_000).read);
  });

  it('does not move under components already watching it when another one subscribes', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const clock = sharedClock(5_000);
    const first = clock.subscribe(() => undefined);
    const seen = clock.read();
    vi.setSystemTime(1_000_250);
    const second = clock.subscribe(() => undefined);
    expect(clock.read()).toBe(seen);
    first();
    second();
  });

  it('ticks every interval, telling each listener once, and starts from now when nobody watched it', () => {
    vi.useFakeTimers({ now: 2_000_000 });
    const clock = sharedClock(7_000);
    const ticks: number[] = [];
    const stop = clock.subscribe(() => ticks.push(clock.read()));
    expect(clock.read()).toBe(2_000_000);
    vi.advanceTimersByTime(14_000);
    expect(ticks).toEqual([2_007_000, 2_014_000]);
    stop();
    vi.setSystemTime(3_000_000);
    const again = clock.subscribe(() => undefined);
    expect(clock.read()).toBe(3_000_000);
    again();
  });
});
