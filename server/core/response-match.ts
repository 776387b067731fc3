/**
 * Which task a response file belongs to: task T owns a file when T appears in its name
 * as a whole token, i.e. bounded by the name's ends or by characters that are not
 * letters or digits. `TASK-1` owns `RESPONSE-TASK-1.md` but not `TASK-10.md`.
 */
import { ID_MAX_LENGTH, ID_PATTERN } from '../contracts/ids';

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);

export function matchesTask(fileName: string, taskId: string): boolean {
  for (let at = fileName.indexOf(taskId); at !== -1; at = fileName.indexOf(taskId, at + 1)) {
    if (!isWordChar(fileName[at - 1]) && !isWordChar(fileName[at + taskId.length])) return true;
  }
  return false;
}

/** Every id-shaped whole token in a file name: the task ids it could belong to. */
export function candidateTaskIds(fileName: string): Set<string> {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i <= fileName.length; i++) {
    const here = isWordChar(fileName[i]);
    const before = isWordChar(fileName[i - 1]);
    if (here && !before) starts.push(i);
    if (before && !here) ends.push(i);
  }
  const ids = new Set<string>();
  for (const start of starts) {
    for (const end of ends) {
      if (end <= start) continue;
      if (end - start > ID_MAX_LENGTH) break;
      const token = fileName.slice(start, end);
      if (ID_PATTERN.test(token)) ids.add(token);
    }
  }
  return ids;
}

/** The maximal runs of letters and digits: the keys under which a response file is indexed. */
export function wordsOf(name: string): string[] {
  return name.match(/[A-Za-z0-9]+/g) ?? [];
}
