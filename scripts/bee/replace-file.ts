/** Replaces a file whole: written in `tmp/`, then renamed over it, so a reader sees the old file or the new one, never half of either. */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function replaceFile(tmpDir: string, target: string, data: string): Promise<void> {
  // Not the server's own tmp pattern, so its sweep leaves a bee's scratch files alone.
  const tmp = path.join(tmpDir, `bee.${process.pid}.${randomBytes(4).toString('hex')}.json`);
  await writeFile(tmp, data);
  try {
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
