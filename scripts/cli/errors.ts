/** Every failure as a CliError: an exit code, a message a person can act on, and the server's field errors. */
import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../server/trpc/root';
import { EXIT, type ExitCode } from './exit-codes';

export type FieldErrors = Record<string, string[]>;

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly details: { code?: string; fields?: FieldErrors | null; hint?: string } = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(EXIT.invalidInput, message, { code: 'USAGE', hint });
}

const INVALID_INPUT_CODES = new Set([
  'BAD_REQUEST',
  'BAD_JSON',
  'INVALID_INPUT',
  'PARSE_ERROR',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
]);

/** The exit code of a server error code (tRPC's, or the REST envelope's). */
function exitFor(code: string): ExitCode {
  if (code === 'NOT_FOUND') return EXIT.notFound;
  if (code === 'CONFLICT') return EXIT.conflict;
  if (code === 'UNAUTHORIZED') return EXIT.unauthorized;
  return INVALID_INPUT_CODES.has(code) ? EXIT.invalidInput : EXIT.serverError;
}
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The errno-style code somewhere down a fetch failure's cause chain (undici nests them). */
function networkCode(err: unknown, depth = 0): string | null {
  if (typeof err !== 'object' || err === null || depth > 6) return null;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  for (const inner of (err as { errors?: unknown[] }).errors ?? []) {
    const found = networkCode(inner, depth + 1);
    if (found) return found;
  }
  return networkCode((err as { cause?: unknown }).cause, depth + 1);
}

/** Why no HTTP response came back at all, or null if one did. */
function networkFailure(err: unknown): string | null {
  const code = networkCode(err);
  if (code) return code;
  // fetch's own TypeError means the request never got an answer (refused port, bad address, …).
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (e instanceof TypeError && e.message === 'fetch failed') {
      return e.cause instanceof Error ? e.cause.message : e.message;
    }
  }
  return null;
}

export function unreachable(url: string, code: string): CliError {
  const why = code === 'ECONNREFUSED' ? 'connection refused' : code;
  return new CliError(EXIT.unreachable, `Cannot reach Hive Control at ${url} (${why}).`, {
    code: 'UNREACHABLE',
    hint: 'Start the server with `npm start` in the project directory, or point the CLI at a running one with --url URL or HIVE_URL=URL.',
  });
}

/** A REST-style envelope (`{status:'error', error:{code,message,fields?}}`): REST replies, and the request guard's before tRPC. */
function envelopeError(json: unknown): { code: string; message: string; fields: FieldErrors | null } | null {
  const error = (json as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return null;
  const fields = typeof error.fields === 'object' && error.fields !== null ? (error.fields as FieldErrors) : null;
  return { code: error.code, message: error.message, fields };
}

const UNAUTHORIZED_HINT = 'Set HIVE_API_TOKEN to the token the server was started with.';

/** A REST reply that is not 2xx, as a CliError with the same exit codes as the tRPC calls. */
export async function restError(res: Response, url: string): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: not Hive Control's envelope
  }
  const envelope = envelopeError(json);
  if (!envelope) {
    return new CliError(
      EXIT.serverError,
      `The server at ${url} did not answer like Hive Control (HTTP ${res.status}).`,
      {
        code: 'BAD_RESPONSE',
        hint: 'Check --url / HIVE_URL points at a Hive Control server.',
      },
    );
  }
  const code = envelope.code === 'INVALID_INPUT' ? 'BAD_REQUEST' : envelope.code;
  return new CliError(exitFor(envelope.code), envelope.message, {
    code,
    fields: envelope.fields,
    ...(envelope.code === 'UNAUTHORIZED' ? { hint: UNAUTHORIZED_HINT } : {}),
  });
}

export function toCliError(err: unknown, url: string): CliError {
  if (err instanceof CliError) return err;
  const net = networkFailure(err);
  if (net) return unreachable(url, net);
  if (err instanceof TRPCClientError) {
    const trpcError = err as TRPCClientError<AppRouter>;
    const code = trpcError.data?.code;
    if (code) {
      return new CliError(exitFor(code), trpcError.message, { code, fields: trpcError.data?.fields ?? null });
    }
    const envelope = envelopeError(trpcError.meta?.responseJSON);
    if (envelope?.code === 'UNAUTHORIZED') {
      return new CliError(EXIT.unauthorized, envelope.message, { code: envelope.code, hint: UNAUTHORIZED_HINT });
    }
    if (envelope) return new CliError(exitFor(envelope.code), envelope.message, { code: envelope.code });
    return new CliError(
      EXIT.serverError,
      `The server at ${url} did not answer like Hive Control: ${trpcError.message}`,
      {
        code: 'BAD_RESPONSE',
        hint: 'Check --url / HIVE_URL points at a Hive Control server.',
      },
    );
  }
  return new CliError(EXIT.serverError, err instanceof Error ? err.message : String(err), { code: 'INTERNAL' });
}
