/** Reading a bee's response: regular files inside `responses/` only, and only the preview's worth. */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { PREVIEW_CHARS } from '../contracts/task';

/** First `chars` characters (code points) of a response, or null if it is gone or not a regular file. */
export async function readResponsePreview(
  responsesDir: string,
  name: string,
  chars = PREVIEW_CHARS,
): Promise<string | null> {
  if (name.includes('/') || name.includes('\0') || name === '..' || name === '.') return null;
  let handle;
  try {
    // O_NONBLOCK: a named pipe named like a response must not hold a thread forever.
    handle = await open(
      path.join(responsesDir, name),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
  } catch {
    return null;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return null;
    const buffer = Buffer.alloc(Math.min(stat.size, previewBytes(chars)));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return previewOf(buffer.subarray(0, bytesRead), chars);
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** A code point is at most 4 bytes, so this many bytes of a response always hold its whole preview. */
export const previewBytes = (chars = PREVIEW_CHARS) => chars * 4;

/** The first `chars` characters (code points) of a response's first `previewBytes(chars)` bytes. */
export function previewOf(head: Buffer, chars = PREVIEW_CHARS): string {
  return Array.from(head.toString('utf8')).slice(0, chars).join('');
}
