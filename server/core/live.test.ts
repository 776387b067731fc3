/** The live stream (followLedger): a consumer far behind still gets every event once, in order, without an unbounded buffer. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../contracts/ledger';
import { Ledger, type NewLedgerEvent } from './ledger';
import { followLedger } from './live';

/** More than the stream buffers for one consumer (MAX_BUFFERED in live.ts). */
const FAR_BEHIND = 6000;

/** The stream's next event; a stream that stops delivering fails the test with what it last gave. */
async function next(stream: AsyncGenerator<LedgerEvent>, received: LedgerEvent[]): Promise<LedgerEvent> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the stream stopped delivering after id ${received.at(-1)?.id ?? 'none'}`)),
      5000,
    );
  });
  try {
    const result = await Promise.race([stream.next(), stalled]);
    if (result.done) throw new Error('the stream ended');
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

const events = (n: number, from: number): NewLedgerEvent[] =>
  Array.from({ length: n }, (_, i) => ({ event_type: 'task_dispatched', task_id: `T-${from + i}`, actor: 'test' }));

describe('followLedger', () => {
  let dir: string;
  let ledger: Ledger;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'live-'));
    ledger = new Ledger(path.join(dir, 'ledger.db'));
  });
  afterEach(async () => {
    ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives a consumer that fell far behind every event exactly once, in order, re-read from the ledger', async () => {
    const controller = new AbortController();
    const slow = followLedger(ledger, 0, controller.signal);
    // The events as the ledger announced them: the stream's buffer holds these very objects.
    const announced = new Map<number, LedgerEvent>();
    ledger.events.on('appended', (batch: LedgerEvent[]) => batch.forEach((e) => announced.set(e.id, e)));

    const received: LedgerEvent[] = [];
    const first = next(slow, received);
    await ledger.append(events(1, 0)[0]!);
    received.push(await first);

    // The consumer stops reading while 6,000 events are committed, in batches of 500.
    for (let n = 1; n <= FAR_BEHIND; n += 500) await ledger.appendAll(events(500, n));
    const backlogEnd = ledger.lastId();

    // It reads again; more events keep arriving while it catches up.
    let arriving = 0;
    for (;;) {
      received.push(await next(slow, received));
      if (received.length % 1000 === 0 && arriving < 3) {
        arriving++;
        await ledger.appendAll(events(100, FAR_BEHIND + arriving * 100));
      }
      if (received.length === ledger.lastId() && arriving === 3) break;
    }
    // And once it has caught up, one more arrives live.
    const live = next(slow, received);
    const [last] = await ledger.appendAll(events(1, 99_999));
    received.push(await live);
    controller.abort();
    await slow.return(undefined);

    const ids = received.map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: ledger.lastId() }, (_, i) => i + 1));
    // Bounded: the backlog it fell behind on was dropped from its buffer and read from the
    // ledger again (fresh objects), while a live event still comes from the buffer.
    const fromBuffer = (e: LedgerEvent) => announced.get(e.id) === e;
    expect(received.filter((e) => e.id > 1 && e.id <= backlogEnd && fromBuffer(e))).toEqual([]);
    expect(fromBuffer(received.at(-1)!)).toBe(true);
    expect(received.at(-1)!.id).toBe(last!.id);
  });

  it('a consumer that keeps up is served from the buffer, without re-reading the ledger', async () => {
    const controller = new AbortController();
    const stream = followLedger(ledger, 0, controller.signal);
    const announced = new Map<number, LedgerEvent>();
    ledger.events.on('appended', (batch: LedgerEvent[]) => batch.forEach((e) => announced.set(e.id, e)));

    const received: LedgerEvent[] = [];
    for (let n = 0; n < 20; n++) {
      const coming = next(stream, received);
      await ledger.append(events(1, n)[0]!);
      received.push(await coming);
    }
    controller.abort();
    await stream.return(undefined);

    expect(received.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(received.every((e) => announced.get(e.id) === e)).toBe(true);
  });
});
