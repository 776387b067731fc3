/** Which bees are alive, on a clock the test moves (DESIGN §6): liveness comes from heartbeats, never from how long a task runs. */
import { describe, expect, it } from 'vitest';
import type { BeePresence } from '../contracts/bee';
import { BeePresenceTracker, PRESENCE_STALE_MS } from './presence';

const HERE = 'this-host';

function setup(options: { alive?: Set<number>; recordedOnline?: string[] } = {}) {
  let now = 1_000_000;
  const alive = options.alive ?? new Set([100, 200]);
  const tracker = new BeePresenceTracker(
    { now: () => now, host: HERE, processAlive: (pid) => alive.has(pid) },
    options.recordedOnline,
  );
  let beat = 0;
  const heartbeat = (overrides: Partial<BeePresence> = {}): BeePresence => ({
    bee: 'bee-a',
    bots: ['BEE-001'],
    host: 'elsewhere',
    pid: 100,
    started_at: '2026-12-01T00:00:00.000Z',
    heartbeat_at: new Date(1_000_000 + ++beat * 5000).toISOString(),
    current_task: null,
    ...overrides,
  });
  return { tracker, heartbeat, alive, advance: (ms: number) => (now += ms), at: () => now };
}

describe('bee presence', () => {
  it('a bee is online at its first heartbeat, once', () => {
    const { tracker, heartbeat } = setup();
    expect(tracker.seen(heartbeat())).toEqual([{ kind: 'online', bee: 'bee-a', record: expect.anything() }]);
    expect(tracker.seen(heartbeat())).toEqual([]);
    expect(tracker.isLive('bee-a')).toBe(true);
    expect(tracker.live()).toEqual({ bees: new Set(['bee-a']), bots: new Set(['BEE-001']) });
  });

  it('a slow bee that keeps its heartbeat is never declared dead, however long its task runs', () => {
    const { tracker, heartbeat, advance } = setup();
    tracker.seen(heartbeat({ current_task: 'TASK-LONG' }));
    for (let minute = 0; minute < 60; minute++) {
      for (let beat = 0; beat < 6; beat++) {
        advance(10_000);
        expect(tracker.seen(heartbeat({ current_task: 'TASK-LONG' }))).toEqual([]);
        expect(tracker.check()).toEqual([]);
      }
    }
    expect(tracker.isLive('bee-a')).toBe(true);
  });

  it('a bee whose heartbeat stops is offline (heartbeat_lost) once 30 s pass, not a moment before', () => {
    const { tracker, heartbeat, advance } = setup();
    tracker.seen(heartbeat());
    advance(PRESENCE_STALE_MS - 1);
    expect(tracker.check()).toEqual([]);
    advance(1);
    expect(tracker.check()).toEqual([
      { kind: 'offline', bee: 'bee-a', record: expect.anything(), reason: 'heartbeat_lost' },
    ]);
    expect(tracker.check()).toEqual([]);
    expect(tracker.isLive('bee-a')).toBe(false);
    // It comes back with its next heartbeat.
    expect(tracker.seen(heartbeat())).toEqual([expect.objectContaining({ kind: 'online' })]);
  });

  it('a file rewritten with the same heartbeat is no activity', () => {
    const { tracker, heartbeat, advance } = setup();
    const same = heartbeat();
    tracker.seen(same);
    advance(20_000);
    tracker.seen({ ...same });
    advance(10_000);
    expect(tracker.check()).toEqual([expect.objectContaining({ kind: 'offline', reason: 'heartbeat_lost' })]);
  });

  it('a bee on this host whose process is gone is offline at once (process_gone)', () => {
    const { tracker, heartbeat, alive } = setup();
    tracker.seen(heartbeat({ host: HERE, pid: 200 }));
    expect(tracker.check()).toEqual([]);
    alive.delete(200);
    expect(tracker.check()).toEqual([expect.objectContaining({ kind: 'offline', reason: 'process_gone' })]);
  });

  it('a bee whose presence file is removed stopped cleanly', () => {
    const { tracker, heartbeat } = setup();
    tracker.seen(heartbeat());
    expect(tracker.gone('bee-a')).toEqual([
      { kind: 'offline', bee: 'bee-a', record: expect.anything(), reason: 'stopped' },
    ]);
    expect(tracker.gone('bee-a')).toEqual([]);
  });

  it('after a restart, a bee the ledger had online is not announced again; one that went meanwhile stopped', () => {
    const { tracker, heartbeat } = setup({ recordedOnline: ['bee-a', 'bee-gone'] });
    expect(tracker.seen(heartbeat())).toEqual([]);
    expect(tracker.missing(new Set(['bee-a']))).toEqual([
      { kind: 'offline', bee: 'bee-gone', record: null, reason: 'stopped' },
    ]);
  });

  it('a bee heard from after a re-scan listed the folder is not missing from that scan', () => {
    const { tracker, heartbeat, at } = setup();
    const scanStartedAt = at();
    tracker.seen(heartbeat());
    expect(tracker.missing(new Set(), scanStartedAt)).toEqual([]);
    expect(tracker.isLive('bee-a')).toBe(true);
    // A scan that began after it was heard, and did not find it: it went.
    expect(tracker.missing(new Set(), at() + 1)).toEqual([expect.objectContaining({ kind: 'offline', bee: 'bee-a' })]);
  });

  it('a heartbeat read at start-up counts from when the file was written', () => {
    const { tracker, heartbeat, at } = setup();
    expect(tracker.seen(heartbeat(), at() - PRESENCE_STALE_MS - 1)).toEqual([]);
    expect(tracker.isLive('bee-a')).toBe(false);
  });
});
