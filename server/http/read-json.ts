/**
 * Reads a request body without ever holding more than the limit in memory. A body that is
 * refused is still read to its end (and dropped), up to DRAIN_BYTES: a client that is
 * still sending when the server answers and closes gets EPIPE instead of the answer.
 */
import { HiveError } from '../core/errors';

/** Over this size an unwanted body is not waited for: the answer goes at once (curl still reads it; naive clients may not). */
export const DRAIN_BYTES = 16 * 1024 * 1024;

function declaredLength(req: Request): number {
  return Number(req.headers.get('content-length') ?? NaN);
}

/** Reads and drops what is left of a body, at most `budget` bytes; a client that hangs up just ends it. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  for (let left = budget; left > 0;) {
    const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (chunk.done) return;
    left -= chunk.value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
}

/**
 * Drops a body nobody read (the request was refused before its body mattered), so that the
 * refusal reaches a client that is still sending. Bodies declared over DRAIN_BYTES are left.
 */
export async function discardUnreadBody(req: Request): Promise<void> {
  if (!req.body || req.bodyUsed || declaredLength(req) > DRAIN_BYTES) return;
  await drain(req.body.getReader(), DRAIN_BYTES);
}

/** The body as text, refused (413) once it passes the limit, declared or actual. */
export async function readBodyText(req: Request, limitBytes: number): Promise<string> {
  const tooLarge = () =>
    new HiveError('PAYLOAD_TOO_LARGE', `The body is larger than ${limitBytes} bytes; send a smaller request.`);
  const declared = declaredLength(req);
  if (Number.isFinite(declared) && declared > limitBytes) {
    await discardUnreadBody(req);
    throw tooLarge();
  }
  if (!req.body) return '';

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away mid-body: its problem, not a server error worth a stack trace.
      throw new HiveError('BAD_JSON', 'The body ended before its declared length; send it again.');
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > limitBytes) {
      await drain(reader, DRAIN_BYTES);
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  try {
    // JSON is UTF-8 (RFC 8259): bytes that are not are refused, never silently replaced.
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new HiveError('BAD_JSON', 'The body is not valid UTF-8; send JSON encoded as UTF-8.');
  }
}

/** The body as JSON; an empty body is refused, or read as `{}` for requests whose fields are all optional. */
export async function readJsonBody(
  req: Request,
  limitBytes: number,
  options: { emptyIsObject?: boolean } = {},
): Promise<unknown> {
  const text = await readBodyText(req, limitBytes);
  if (text.trim() === '') {
    if (options.emptyIsObject) return {};
    throw new HiveError('BAD_JSON', 'The body is empty; send a JSON object.');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'too deeply nested';
    throw new HiveError('BAD_JSON', `The body is not valid JSON: ${detail}.`);
  }
}
