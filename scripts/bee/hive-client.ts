/**
 * The bee protocol over HTTP (DESIGN §8), seen from the bee: one typed call per endpoint,
 * each reply parsed with the contract's schema. A server that cannot be reached (refused,
 * reset, timed out, 5xx, 429) is waited for with exponential backoff and jitter; what
 * waiting cannot fix (a refused token, a lost lease, a reply that breaks the contract) is
 * thrown for the caller to decide about.
 *
 * It may be given several servers of one hive (PostgreSQL mode: any of them answers any
 * call, since tasks, claims and leases live in the shared database). A request that one
 * cannot take (no connection, a connection cut, no reply in time, 502/503/504) goes to the
 * next at once, round-robin from the server that answered last; the backoff applies only
 * once every server failed that request.
 */
import type { z } from 'zod';
import {
  ClaimedSchema,
  HeartbeatReplySchema,
  LeaseActionResultSchema,
  type BEE_STATUSES,
  type Claimed,
  type ClaimInput,
  type HeartbeatInput,
  type HeartbeatReply,
  type LeaseActionResult,
  type ResponseInput,
} from '../../server/contracts/bee-protocol';
import { describeIssues } from '../../server/contracts/issues';
import { backoffDelay, describeNetworkError, formatSeconds, sleep } from './backoff';

/** The server answered with an error envelope `{status: "error", error: {code, message}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 401 or 403: the token is wrong, or not allowed this; asking again cannot help. */
export class AuthError extends HttpError {}

/** 409 (or 404) on a call that holds a lease: this attempt is over; stop its work and do not answer. */
export class LeaseLostError extends HttpError {}

/** A reply that is not what the contract promises. */
export class ProtocolError extends Error {}

/** A failure as one line for the operator, with the server's own message when it sent one. */
export function describeFailure(err: unknown): string {
  if (err instanceof HttpError) return `the server refused (${err.status} ${err.code}): ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export interface HiveClientOptions {
  /**
   * The server's origin (and path prefix, if any), without a trailing slash; or several:
   * the servers of one hive, tried in this order.
   */
  url: string | readonly string[];
  token?: string | null;
  log(line: string): void;
  /** First and longest wait between attempts while the server is unreachable. */
  backoff?: { firstMs: number; maxMs: number };
  /** How long a request may take beyond the wait it asked for, before it counts as lost. */
  requestTimeoutMs?: number;
}

type BeeStatus = (typeof BEE_STATUSES)[number];

/** What a reply of this kind is, when the server speaks no envelope (a proxy's error page). */
const statusText = (status: number) => `HTTP ${status}`;

/**
 * Replies that say this server cannot take the request now (a proxy that lost its upstream,
 * a server shutting down, a gateway timeout): another server of the hive may.
 */
const FAILOVER_STATUSES = new Set([502, 503, 504]);

/** A reply, and why it is no reply from this server (`unreachable`), if it is not. */
type Sent = { status: number; text: string; unreachable: string | null };

export class HiveClient {
  /** The servers, in the order given. */
  readonly urls: readonly string[];
  private readonly backoff: { firstMs: number; maxMs: number };
  /** The server that answered last (or that a request moved to since): where each request starts. */
  private current = 0;
  /** The longest wait announced since the server was last reachable (0: reachable); logs only when it grows. */
  private announcedMs = 0;
  /** The server's clock minus ours, when the difference is too large to ignore (from the Date header). */
  private clockOffsetMs = 0;

  constructor(private readonly options: HiveClientOptions) {
    this.backoff = options.backoff ?? { firstMs: 250, maxMs: 10_000 };
    this.urls = typeof options.url === 'string' ? [options.url] : [...options.url];
    if (this.urls.length === 0) throw new Error('HiveClient needs at least one server URL');
  }

  /** The server requests go to first: the one that answered last. */
  get url(): string {
    return this.urls[this.current]!;
  }

  /** Now by the server's clock, as far as its Date headers tell (lease expiry times are the server's). */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Safe to repeat, on any server: presence is the latest beat. */
  heartbeat(bee: string, input: HeartbeatInput, signal: AbortSignal): Promise<HeartbeatReply> {
    return this.call(`/api/bees/${encodeURIComponent(bee)}/heartbeat`, input, HeartbeatReplySchema, { signal });
  }

  /**
   * A task and its lease, or null when the wait ended with nothing (204).
   *
   * Not idempotent, and still sent again to another server when one fails it: the failed
   * server may have claimed a task before it died (or before its reply was cut), a lease
   * this bee never saw. Nobody renews that lease, so it runs out (`task_claim_expired`) and
   * the task is offered again: only later, never twice at once. A long-poll cut by its
   * server's death is re-issued on the next server at once.
   */
  claim(bee: string, input: ClaimInput, signal: AbortSignal): Promise<Claimed | null> {
    return this.call(`/api/bees/${encodeURIComponent(bee)}/claim`, input, ClaimedSchema, {
      signal,
      waitMs: input.wait_seconds * 1000,
      allowEmpty: true,
    });
  }

  renew(taskId: string, leaseToken: string, signal: AbortSignal): Promise<LeaseActionResult> {
    return this.leaseCall(taskId, 'lease', { lease_token: leaseToken }, signal);
  }

  status(taskId: string, leaseToken: string, status: BeeStatus, signal: AbortSignal): Promise<LeaseActionResult> {
    return this.leaseCall(taskId, 'status', { lease_token: leaseToken, status }, signal);
  }

  /**
   * Safe to repeat, on any server: the same answer of the same attempt is acknowledged again
   * (other content gets 409), so an answer whose reply was lost with its server is resent.
   */
  respond(taskId: string, input: ResponseInput, signal: AbortSignal): Promise<LeaseActionResult> {
    return this.leaseCall(taskId, 'response', input, signal);
  }

  release(taskId: string, leaseToken: string, signal: AbortSignal): Promise<LeaseActionResult> {
    return this.leaseCall(taskId, 'release', { lease_token: leaseToken }, signal);
  }

  /**
   * Renew, status and release are safe to resend to another server when one fails them:
   * the lease lives in the shared database. A resend after the first one took effect may be
   * refused where the first ended the attempt (a release, status `cancelled`): 409, the
   * lease is gone, which is what the bee wanted anyway.
   */
  private async leaseCall(
    taskId: string,
    action: 'lease' | 'status' | 'response' | 'release',
    body: unknown,
    signal: AbortSignal,
  ): Promise<LeaseActionResult> {
    try {
      return await this.call(`/api/tasks/${encodeURIComponent(taskId)}/${action}`, body, LeaseActionResultSchema, {
        signal,
      });
    } catch (err) {
      // 404: the server no longer knows the task at all, which ends this attempt just as surely.
      if (err instanceof HttpError && !(err instanceof AuthError) && (err.status === 409 || err.status === 404))
        throw new LeaseLostError(err.status, err.code, err.message);
      throw err;
    }
  }

  private async call<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    options: { signal: AbortSignal; waitMs?: number; allowEmpty: true },
  ): Promise<z.output<S> | null>;
  private async call<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    options: { signal: AbortSignal; waitMs?: number },
  ): Promise<z.output<S>>;
  private async call<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    options: { signal: AbortSignal; waitMs?: number; allowEmpty?: boolean },
  ): Promise<z.output<S> | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const timeoutMs = (options.waitMs ?? 0) + (this.options.requestTimeoutMs ?? 15_000);
    const init = { method: 'POST', headers, body: JSON.stringify(body) };
    // The servers this request failed on since it last waited: each is asked once per round.
    const failed = new Set<number>();
    let at = this.current;
    for (let attempt = 0; ;) {
      options.signal.throwIfAborted();
      const { status, text, unreachable } = await this.send(`${this.urls[at]}${path}`, init, options.signal, timeoutMs);
      if (unreachable !== null) {
        failed.add(at);
        const next = this.nextServer(at, failed);
        if (next !== null) {
          this.moveOn(at, next, unreachable);
          at = next;
          continue;
        }
        const what =
          this.urls.length === 1
            ? `server unreachable (${unreachable})`
            : `all ${this.urls.length} servers unreachable (${this.urls[at]}: ${unreachable})`;
        await this.wait(attempt++, what, options.signal);
        failed.clear();
        at = this.current;
        continue;
      }
      // A server failing or overloaded (500, 429), but there: worth waiting for.
      if (status >= 500 || status === 429) {
        const who = this.urls.length === 1 ? 'server' : `server ${this.urls[at]}`;
        await this.wait(attempt++, `${who} unreachable (${errorOf(status, text).message})`, options.signal);
        failed.clear();
        continue;
      }
      this.reachable(at);
      if (status === 204 && options.allowEmpty) return null;
      if (status < 200 || status >= 300) {
        const { code, message } = errorOf(status, text);
        throw status === 401 || status === 403
          ? new AuthError(status, code, message)
          : new HttpError(status, code, message);
      }
      return parseReply(schema, status, text, path);
    }
  }

  /**
   * One request to one server: its reply, and why this server could not take the request
   * (refused, reset, cut, no reply in time, a 502/503/504), if it could not.
   */
  private async send(url: string, init: RequestInit, signal: AbortSignal, timeoutMs: number): Promise<Sent> {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
      const text = await res.text();
      this.noteClock(res.headers.get('date'));
      const unreachable = FAILOVER_STATUSES.has(res.status) ? errorOf(res.status, text).message : null;
      return { status: res.status, text, unreachable };
    } catch (err) {
      signal.throwIfAborted();
      return { status: 0, text: '', unreachable: describeNetworkError(err) };
    }
  }

  /**
   * Where a request goes after `from` failed it: the server the client moved to meanwhile
   * (another request found it answering), else the next one round the list that this
   * request has not failed on; null once it failed on every one.
   */
  private nextServer(from: number, failed: ReadonlySet<number>): number | null {
    if (!failed.has(this.current)) return this.current;
    for (let step = 1; step < this.urls.length; step++) {
      const next = (from + step) % this.urls.length;
      if (!failed.has(next)) return next;
    }
    return null;
  }

  private moveOn(from: number, to: number, why: string): void {
    // Requests in flight meet a dead server together: the first to leave it says so, the others follow quietly.
    if (this.current !== from) return;
    this.current = to;
    // While every server is away the backoff lines tell it; a move per retry would only repeat them.
    if (this.announcedMs === 0)
      this.options.log(`server ${this.urls[from]} unreachable (${why}); using ${this.urls[to]}`);
  }

  /** Waits before the request's next round; `what` is what went wrong, for the log. */
  private async wait(attempt: number, what: string, signal: AbortSignal): Promise<void> {
    const { nominalMs, delayMs } = backoffDelay(attempt, this.backoff.firstMs, this.backoff.maxMs);
    // Every request waiting on the server announces its wait; only a longer one is news.
    if (nominalMs > this.announcedMs) {
      this.announcedMs = nominalMs;
      this.options.log(`${what}, retrying in ${formatSeconds(nominalMs)}`);
    }
    await sleep(delayMs, signal);
  }

  private reachable(at: number): void {
    this.current = at;
    if (this.announcedMs === 0) return;
    this.announcedMs = 0;
    this.options.log(this.urls.length === 1 ? 'reconnected' : `reconnected to ${this.urls[at]}`);
  }

  /**
   * The Date header has whole seconds, so it cannot measure a small difference; a large one
   * (a machine whose clock is minutes off) would make every lease look expired or endless.
   */
  private noteClock(date: string | null): void {
    const server = date ? Date.parse(date) : NaN;
    if (Number.isNaN(server)) return;
    const offset = server - Date.now();
    this.clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
  }
}

function parseReply<S extends z.ZodType>(schema: S, status: number, text: string, path: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError(`${path} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new ProtocolError(
      `${path} answered ${status} with a reply outside the contract: ${describeIssues(parsed.error)}`,
    );
  return parsed.data;
}

/** The error envelope's code and message, or what can be said without one. */
function errorOf(status: number, text: string): { code: string; message: string } {
  try {
    const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = json.error ?? {};
    if (typeof code === 'string' && typeof message === 'string') return { code, message };
  } catch {
    // not the envelope: a proxy's page, or nothing
  }
  return {
    code: statusText(status),
    message: `${statusText(status)}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`,
  };
}
