/**
 * Follows the ledger: replays events after a given id, then yields new ones as they are
 * committed. It subscribes before it replays, and skips ids it already yielded, so a
 * client resuming from its last id gets exactly what it missed, nothing twice. It ends
 * when the ledger announces 'closing' (the server is stopping; clients reconnect later).
 */
import type { LedgerEvent } from '../contracts/ledger';
import type { Ledger } from './ledger';

const PAGE = 500;
/** A consumer this far behind is switched back to reading the ledger, so memory stays bounded. */
const MAX_BUFFERED = 5000;

export async function* followLedger(
  ledger: Ledger,
  afterId: number,
  signal?: AbortSignal,
): AsyncGenerator<LedgerEvent> {
  let buffered: LedgerEvent[] = [];
  let overflowed = false;
  let wake: (() => void) | null = null;
  const onAppended = (events: LedgerEvent[]) => {
    if (buffered.length + events.length > MAX_BUFFERED) {
      buffered = [];
      overflowed = true;
    } else {
      buffered.push(...events);
    }
    wake?.();
  };
  let closing = false;
  const onAbort = () => wake?.();
  const onClosing = () => {
    closing = true;
    wake?.();
  };
  ledger.events.on('appended', onAppended);
  ledger.events.on('closing', onClosing);
  signal?.addEventListener('abort', onAbort);
  let last = afterId;
  try {
    for (;;) {
      overflowed = false;
      for (let page = ledger.after(last, PAGE); page.length > 0; page = ledger.after(last, PAGE)) {
        for (const event of page) {
          if (signal?.aborted) return;
          yield event;
          last = event.id;
        }
      }
      while (!overflowed) {
        if (signal?.aborted || closing) return;
        const next = buffered.shift();
        if (next) {
          if (next.id > last) {
            yield next;
            last = next.id;
          }
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    }
  } finally {
    ledger.events.off('appended', onAppended);
    ledger.events.off('closing', onClosing);
    signal?.removeEventListener('abort', onAbort);
  }
}
