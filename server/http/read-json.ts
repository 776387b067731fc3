/** Reads a JSON request body without ever holding more than the limit in memory. */
import { HiveError } from '../core/errors';

export async function readJsonBody(req: Request, limitBytes: number): Promise<unknown> {
  const tooLarge = () =>
    new HiveError('PAYLOAD_TOO_LARGE', `The body is larger than ${limitBytes} bytes; send a smaller task.`);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge();
  if (!req.body) throw new HiveError('BAD_JSON', 'The body is empty; send a JSON object.');

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  if (text.trim() === '') throw new HiveError('BAD_JSON', 'The body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'too deeply nested';
    throw new HiveError('BAD_JSON', `The body is not valid JSON: ${detail}.`);
  }
}
