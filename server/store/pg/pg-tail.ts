/**
 * This server's copy of the ledger, kept up with the database: LISTEN/NOTIFY is the
 * doorbell, a poll is the backstop (a notification is lost while the listening connection
 * is down, and nothing says so), and whatever rang, the mirror reads every event after
 * the last one it holds, in id order. Ids are in commit order (pg-events.ts), so a read
 * "after N" never skips an event that commits later.
 */
import pg from 'pg';
import type { Ledger } from '../../core/ledger';
import { log } from '../../core/log';
import { eventsAfter, EVENTS_CHANNEL } from './pg-events';

const PAGE = 2000;
/** How soon a catch-up that failed while writes wait for it is tried again. */
const REACH_RETRY_MS = 100;

export interface TailOptions {
  /** The backstop: how often the database is read when no notification came. */
  pollMs: number;
}

export class PgTail {
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly reachers: { id: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** How often the listening connection was (re)opened: 1 while it never dropped. */
  listens = 0;
  /** Events read from the database since this server started. */
  read = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly mirror: Ledger,
    private readonly options: TailOptions,
  ) {}

  async start(): Promise<void> {
    await this.listen();
    await this.catchUp();
    this.timer = setInterval(() => void this.catchUp().catch(() => undefined), this.options.pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
    await this.reading?.catch(() => undefined);
    for (const r of this.reachers.splice(0)) r.reject(new Error('the hive is closing'));
  }

  /**
   * Resolves once the mirror holds every event up to `id` (an append's own, and all before
   * it). The events are committed: a read that fails meanwhile is tried again rather than
   * failing the write that made them, which would tell its client a committed change failed.
   */
  reach(id: number): Promise<void> {
    if (this.mirror.lastId() >= id) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.reachers.push({ id, resolve, reject });
      this.catchUpForReachers();
    });
  }

  private catchUpForReachers(): void {
    this.catchUp().catch(() => {
      if (this.closed || this.reachers.length === 0) return;
      setTimeout(() => this.catchUpForReachers(), REACH_RETRY_MS).unref();
    });
  }

  /** Reads what the mirror lacks; one read at a time, and one more if asked meanwhile. */
  catchUp(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const page = await eventsAfter(this.pool, this.mirror.lastId(), PAGE);
            this.mirror.ingest(page);
            this.read += page.length;
            this.settleReachers();
            if (page.length < PAGE) break;
          }
        } while (this.again && !this.closed);
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  private settleReachers(): void {
    const last = this.mirror.lastId();
    for (let i = this.reachers.length - 1; i >= 0; i--) {
      const r = this.reachers[i]!;
      if (r.id <= last) {
        this.reachers.splice(i, 1);
        r.resolve();
      }
    }
  }

  /** A dedicated connection (a pooled one would be handed to others); reopened when it drops. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'hive-control listener' });
    client.on('notification', () => void this.catchUp().catch(() => undefined));
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.listener !== client || this.closed) return;
      this.listener = null;
      log.warn('lost the database notification connection; reconnecting (the poll covers the gap)');
      this.relisten(250);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      if (this.listens === 0) throw err;
      log.warn(`could not listen for database notifications: ${(err as Error).message}; retrying`);
      this.relisten(1000);
      return;
    }
    this.listener = client;
    this.listens++;
    // What was committed while nobody listened.
    void this.catchUp().catch(() => undefined);
  }

  private relisten(ms: number): void {
    const timer = setTimeout(() => void this.listen(), ms);
    timer.unref();
  }
}
