/** Replaces a file whole as the server does (tmp, then rename), with scratch files named so the server's sweep leaves them alone. */
import { replaceFile as replaceWhole } from '../../server/core/atomic-write';

export function replaceFile(tmpDir: string, target: string, data: string): Promise<void> {
  return replaceWhole(tmpDir, target, data, 'bee');
}
