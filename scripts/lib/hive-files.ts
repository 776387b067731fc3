/** Files written the way a bee writes them, for tests and benches that play the bee. */
import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Publishes a response whole: written in `.deia/hive/tmp/`, then renamed into `responses/`. */
export async function writeResponse(root: string, name: string, content: string): Promise<void> {
  const hive = path.join(root, '.deia', 'hive');
  const tmp = path.join(hive, 'tmp', `response-${randomUUID()}.part`);
  await writeFile(tmp, content);
  await rename(tmp, path.join(hive, 'responses', name));
}
