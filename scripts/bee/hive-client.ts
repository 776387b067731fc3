/**
 * The bee protocol over HTTP (DESIGN §8), seen from the bee: one typed call per endpoint,
 * each reply parsed with the contract's schema. A server that cannot be reached (refused,
 * reset, timed out, 5xx, 429) is waited for with exponential backoff and jitter; what
 * waiting cannot fix (a refused token, a lost lease, a reply that breaks the contract) is
 * thrown for the caller to decide about.
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
  /** The server's origin (and path prefix, if any), without a trailing slash. */
  url: string;
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

export class HiveClient {
  private readonly backoff: { firstMs: number; maxMs: number };
  /** The longest wait announced since the server was last reachable (0: reachable); logs only when it grows. */
  private announcedMs = 0;
  /** The server's clock minus ours, when the difference is too large to ignore (from the Date header). */
  private clockOffsetMs = 0;

  constructor(private readonly options: HiveClientOptions) {
    this.backoff = options.backoff ?? { firstMs: 250, maxMs: 10_000 };
  }

  get url(): string {
    return this.options.url;
  }

  /** Now by the server's clock, as far as its Date headers tell (lease expiry times are the server's). */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  heartbeat(bee: string, input: HeartbeatInput, signal: AbortSignal): Promise<HeartbeatReply> {
    return this.call(`/api/bees/${encodeURIComponent(bee)}/heartbeat`, input, HeartbeatReplySchema, { signal });
  }

  /** A task and its lease, or null when the wait ended with nothing (204). */
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

  /** Safe to repeat: the server acknowledges the same answer of the same attempt again. */
  respond(taskId: string, input: ResponseInput, signal: AbortSignal): Promise<LeaseActionResult> {
    return this.leaseCall(taskId, 'response', input, signal);
  }

  release(taskId: string, leaseToken: string, signal: AbortSignal): Promise<LeaseActionResult> {
    return this.leaseCall(taskId, 'release', { lease_token: leaseToken }, signal);
  }

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
    for (let attempt = 0; ; attempt++) {
      options.signal.throwIfAborted();
      let status: number;
      let text: string;
      try {
        const res = await fetch(`${this.options.url}${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]),
        });
        status = res.status;
        text = await res.text();
        this.noteClock(res.headers.get('date'));
      } catch (err) {
        options.signal.throwIfAborted();
        await this.wait(attempt, describeNetworkError(err), options.signal);
        continue;
      }
      // A server restarting, overloaded or behind a proxy that lost it: worth waiting for.
      if (status >= 500 || status === 429) {
        await this.wait(attempt, errorOf(status, text).message, options.signal);
        continue;
      }
      this.reachable();
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

  private async wait(attempt: number, why: string, signal: AbortSignal): Promise<void> {
    const { nominalMs, delayMs } = backoffDelay(attempt, this.backoff.firstMs, this.backoff.maxMs);
    // Every request waiting on the server announces its wait; only a longer one is news.
    if (nominalMs > this.announcedMs) {
      this.announcedMs = nominalMs;
      this.options.log(`server unreachable (${why}), retrying in ${formatSeconds(nominalMs)}`);
    }
    await sleep(delayMs, signal);
  }

  private reachable(): void {
    if (this.announcedMs === 0) return;
    this.announcedMs = 0;
    this.options.log('reconnected');
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
