/** Bees over HTTP for the benches: claim loops that long-poll as a remote bee does (DESIGN §8). */
import { performance } from 'node:perf_hooks';
import { ClaimedSchema, type Claimed } from '../../server/contracts/bee-protocol';
import { postJson, type Reply } from './bench-http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Bees that only claim, as a remote bee's loop does: each asks again the moment a reply
 * comes. Fetch's default dispatcher puts no cap on connections per origin, so 1,000 loops
 * are 1,000 requests at the server, not a client-side queue (the open-files count shows it).
 */
export class ClaimLoops {
  /** Claims sent and not yet answered. */
  inFlight = 0;
  replies = 0;
  /** Anything but a 204 or a 200 that matches the contract. */
  readonly failed: Reply[] = [];
  private readonly stopping = new AbortController();
  private readonly loops: Promise<void>[] = [];

  /** `onTask` gets each task claimed, with the moment (performance.now()) its reply arrived. */
  constructor(
    private readonly url: string,
    private readonly onTask: (claimed: Claimed, at: number) => void = () => undefined,
  ) {}

  /** The first wait may be shorter, so that 1,000 bees do not all time out in the same instant. */
  start(bee: string, bots: string[], waitSeconds: number, firstWaitSeconds = waitSeconds): void {
    const { signal } = this.stopping;
    const loop = async () => {
      for (let wait = firstWaitSeconds; !signal.aborted; wait = waitSeconds) {
        this.inFlight++;
        const reply = await postJson(
          `${this.url}/api/bees/${bee}/claim`,
          { bots, wait_seconds: wait },
          (wait + 10) * 1000,
          signal,
        );
        const at = performance.now();
        this.inFlight--;
        if (signal.aborted) return;
        this.replies++;
        const claimed = reply.status === 200 ? ClaimedSchema.safeParse(reply.body) : null;
        if (claimed?.success) this.onTask(claimed.data, at);
        else if (reply.status !== 204) {
          this.failed.push(claimed ? { ...reply, error: 'claim reply off the contract' } : reply);
          await sleep(100); // a failing server is not hammered in a tight loop
        }
      }
    };
    this.loops.push(loop());
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
  }
}
