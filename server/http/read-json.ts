/** Reads a request body without ever holding more than the limit in memory. */
import { HiveError } from '../core/errors';

/** The body as text, refused (413) as soon as it passes the limit, declared or actual. */
export async function readBodyText(req: Request, limitBytes: number): Promise<string> {
  const tooLarge = () =>
    new HiveError('PAYLOAD_TOO_LARGE', `The body is larger than ${limitBytes} bytes; send a smaller request.`);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge();
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
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

export async function readJsonBody(req: Request, limitBytes: number): Promise<unknown> {
  const text = await readBodyText(req, limitBytes);
  if (text.trim() === '') throw new HiveError('BAD_JSON', 'The body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'too deeply nested';
    throw new HiveError('BAD_JSON', `The body is not valid JSON: ${detail}.`);
  }
}
