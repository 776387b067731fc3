/** The hive's layout under HIVE_ROOT (DESIGN §2), in one place. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface HivePaths {
  root: string;
  deia: string;
  hive: string;
  tasks: string;
  responses: string;
  archive: string;
  /** Tasks of paused bots, kept out of their inboxes until resume (server only). */
  held: string;
  claims: string;
  /** `bees/{bee}.json`: each bee's presence and heartbeat (DESIGN §6). */
  bees: string;
  /** `cancels/{task_id}`: cancel requests for claimed tasks (DESIGN §7). */
  cancels: string;
  tmp: string;
  routingFile: string;
  ledgerFile: string;
}

export function hivePaths(root: string): HivePaths {
  const abs = path.resolve(root);
  const deia = path.join(abs, '.deia');
  const hive = path.join(deia, 'hive');
  return {
    root: abs,
    deia,
    hive,
    tasks: path.join(hive, 'tasks'),
    responses: path.join(hive, 'responses'),
    archive: path.join(hive, 'archive'),
    held: path.join(hive, 'held'),
    claims: path.join(hive, 'claims'),
    bees: path.join(hive, 'bees'),
    cancels: path.join(hive, 'cancels'),
    tmp: path.join(hive, 'tmp'),
    routingFile: path.join(deia, 'routing.json'),
    ledgerFile: path.join(deia, 'ledger.db'),
  };
}

export async function ensureHiveDirs(paths: HivePaths): Promise<void> {
  for (const dir of [
    paths.tasks,
    paths.responses,
    paths.archive,
    paths.held,
    paths.claims,
    paths.bees,
    paths.cancels,
    paths.tmp,
  ]) {
    await mkdir(dir, { recursive: true });
  }
}

/** Paths in replies are relative to HIVE_ROOT with forward slashes, as bees and curl users see them. */
export function relativeToRoot(paths: HivePaths, absolute: string): string {
  return path.relative(paths.root, absolute).split(path.sep).join('/');
}
