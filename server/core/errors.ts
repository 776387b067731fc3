import type { z } from 'zod';
import { describeIssues, fieldErrors } from '../contracts/issues';

/** The one error vocabulary: the core throws HiveError; each code maps to an HTTP status and a tRPC code. */

export const ERROR_TABLE = {
  BAD_REQUEST: { http: 400, trpc: 'BAD_REQUEST' },
  BAD_JSON: { http: 400, trpc: 'PARSE_ERROR' },
  INVALID_INPUT: { http: 422, trpc: 'BAD_REQUEST' },
  UNAUTHORIZED: { http: 401, trpc: 'UNAUTHORIZED' },
  FORBIDDEN: { http: 403, trpc: 'FORBIDDEN' },
  UNKNOWN_HOST: { http: 421, trpc: 'FORBIDDEN' },
  NOT_FOUND: { http: 404, trpc: 'NOT_FOUND' },
  CONFLICT: { http: 409, trpc: 'CONFLICT' },
  PAYLOAD_TOO_LARGE: { http: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, trpc: 'UNSUPPORTED_MEDIA_TYPE' },
  TOO_MANY_WAITERS: { http: 429, trpc: 'TOO_MANY_REQUESTS' },
  STORAGE_FULL: { http: 507, trpc: 'INTERNAL_SERVER_ERROR' },
  STORAGE_UNAVAILABLE: { http: 503, trpc: 'SERVICE_UNAVAILABLE' },
  SHUTTING_DOWN: { http: 503, trpc: 'SERVICE_UNAVAILABLE' },
  INTERNAL: { http: 500, trpc: 'INTERNAL_SERVER_ERROR' },
} as const;

export type HiveErrorCode = keyof typeof ERROR_TABLE;

/** Field-level problems, keyed by the offending field (`_` for the body as a whole). */
export type FieldErrors = Record<string, string[]>;

const BRAND = Symbol.for('hive-control.HiveError');

export class HiveError extends Error {
  readonly [BRAND] = true;

  /**
   * Next bundles server code per entry point, so the class that threw may not be the
   * class this module sees; the registered symbol identifies it across copies.
   */
  static is(err: unknown): err is HiveError {
    return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(
    readonly code: HiveErrorCode,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(message);
    this.name = 'HiveError';
  }
}

/** Turns a file-system failure into something an operator can act on. */
export function storageError(err: unknown, doing: string): HiveError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') {
    return new HiveError('STORAGE_FULL', `The hive's disk is full while ${doing}; free space and retry.`);
  }
  if (
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code?.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_CANTOPEN'
  ) {
    return new HiveError(
      'STORAGE_UNAVAILABLE',
      `The hive is not writable (${code}) while ${doing}; check its permissions.`,
    );
  }
  if (HiveError.is(err)) return err;
  return new HiveError('INTERNAL', `Unexpected storage failure while ${doing}${code ? ` (${code})` : ''}.`);
}

/** Parses with a zod schema; a mismatch becomes INVALID_INPUT naming each offending field. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, what = 'request'): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new HiveError('INVALID_INPUT', `Invalid ${what}: ${describeIssues(parsed.error)}`, fieldErrors(parsed.error));
}
