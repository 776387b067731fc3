/**
 * The hive's reactions to files others write, as the watcher reports them (and the slow
 * re-scan, for file systems that lose events): task files rewritten in a bee's inbox,
 * claims taken and let go, responses landing (once they have settled), and bees' presence
 * files. Each reaction is idempotent; what it means for a task is TaskActivity's to record.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BeePresenceSchema, type BeePresence } from '../contracts/bee';
import { fileIdentity } from './atomic-write';
import { SERVER_ACTOR } from './claims';
import { FileSettling } from './file-settling';
import type { HiveParts } from './hive-parts';
import { log } from './log';
import type { PresenceChange } from './presence';
import { candidateTaskIds } from './response-match';
import type { NoticedBy, TaskActivity } from './task-activity';
import { parseTaskFileName, taskFilePath, type TaskLocation, type WrittenTask } from './task-files';

const MAX_PRESENCE_BYTES = 64 * 1024;

export class HiveReactor {
  private readonly settling: FileSettling;
  /** Inodes of task files this process just published: their own file event needs no second look. */
  private readonly ownWrites = new Map<string, string>();

  constructor(
    private readonly parts: HiveParts,
    private readonly activity: TaskActivity,
    quietMs: number,
  ) {
    this.settling = new FileSettling(quietMs, (name) => void this.noticeResponse(name, 'watcher'));
  }

  close(): void {
    this.settling.close();
  }

  /** A task file this process wrote: its own file event is not a bee's rewrite. */
  wrote(written: WrittenTask): void {
    if (this.ownWrites.size > 10_000) this.ownWrites.clear();
    this.ownWrites.set(`${written.botId}/${written.fileName}`, written.identity);
  }

  /** A task file appeared, changed or vanished (a bee rewrote its status, or it was archived). */
  async taskFileTouched(location: TaskLocation, botId: string, fileName: string): Promise<void> {
    const parsed = parseTaskFileName(fileName);
    if (!parsed) return;
    const { tasks, paths } = this.parts;
    const ref = { taskId: parsed.taskId, botId, fileName, location };
    const stat = await lstat(taskFilePath(paths, ref)).catch(() => null);
    if (!stat?.isFile()) {
      tasks.forget(ref);
      return;
    }
    tasks.set(ref);
    const key = `${botId}/${fileName}`;
    // Our own publication, unchanged since: nothing a bee did to look at. Only the first
    // event after it can be ours; a bee's rewrite is another file (inode, size, time) and is read.
    const own = location === 'tasks' ? this.ownWrites.get(key) : undefined;
    if (own !== undefined) {
      this.ownWrites.delete(key);
      if (own === fileIdentity(stat)) return;
    }
    if (location === 'tasks') await this.activity.noticeStatus(parsed.taskId, botId, fileName);
  }

  claimTouched(taskId: string): Promise<void> {
    return this.activity.noticeClaim(taskId);
  }

  /** Reconciles the index with `responses/` on disk: at start-up, and as the slow fallback. */
  async rescanResponses(noticedBy: NoticedBy): Promise<void> {
    const { paths, responses } = this.parts;
    let names: string[];
    try {
      names = await readdir(paths.responses);
    } catch (err) {
      log.warnOnce('responses-unreadable', `cannot read ${paths.responses}: ${(err as Error).message}`);
      return;
    }
    const present = new Set(names);
    for (const known of [...responses.names()]) if (!present.has(known)) responses.remove(known);
    this.settling.keepOnly(present);
    await Promise.all(names.filter((n) => !responses.has(n)).map((n) => this.noticeResponse(n, noticedBy)));
  }

  /** A response appeared (count it once it settles), changed (newest-wins needs its time) or vanished. */
  async responseTouched(name: string | null): Promise<void> {
    if (name === null) return this.rescanResponses('watcher');
    const { responses } = this.parts;
    if (!responses.has(name)) return this.noticeResponse(name, 'watcher');
    const stat = await this.regularResponse(name);
    if (stat) responses.upsert(name, stat.mtimeMs);
    else responses.remove(name);
  }

  /** A response the server published whole, for a bee over HTTP: it counts at once. */
  async responsePublished(name: string): Promise<void> {
    const stat = await this.regularResponse(name);
    if (stat) await this.count(name, stat, 'http');
  }

  private async noticeResponse(name: string, noticedBy: NoticedBy): Promise<void> {
    // Dotfiles (.gitkeep, editors' swap files) are never responses.
    if (name.startsWith('.')) return;
    const stat = await this.regularResponse(name);
    if (!stat) return this.settling.forget(name);
    // Written in place and still being written (or empty): it counts once it settles.
    if (!this.settling.settled(name, stat)) return;
    await this.count(name, stat, noticedBy);
  }

  private async count(name: string, stat: { mtimeMs: number }, noticedBy: NoticedBy): Promise<void> {
    this.parts.responses.upsert(name, stat.mtimeMs);
    const owners = [...candidateTaskIds(name)].filter((id) => this.parts.tasks.has(id));
    await Promise.all(owners.map((taskId) => this.activity.noticeResponse(taskId, noticedBy)));
  }

  private async regularResponse(name: string): Promise<{ size: number; mtimeMs: number } | null> {
    try {
      const stat = await lstat(path.join(this.parts.paths.responses, name));
      if (stat.isFile()) return stat;
      log.warnOnce(`response-kind:${name}`, `ignoring responses/${name}: not a regular file`);
    } catch {
      // Gone between the event and the look: nothing to index.
    }
    return null;
  }

  /** A bee's presence file changed (a heartbeat), appeared or went; `null` re-reads them all. */
  async beeTouched(name: string | null): Promise<void> {
    if (name === null) return this.rescanBees();
    const bee = /^(.+)\.json$/.exec(name)?.[1];
    if (!bee || name.startsWith('.')) return;
    const read = await this.readPresence(name);
    if (read === 'gone') await this.recordPresence(this.parts.presence.gone(bee));
    else if (read && read.record.bee === bee) await this.recordPresence(this.parts.presence.seen(read.record));
  }

  /** A bee over HTTP was heard from (its heartbeat, or a claim): the same as reading its presence file. */
  beeSeen(record: BeePresence): Promise<void> {
    return this.recordPresence(this.parts.presence.seen(record));
  }

  /** Every presence file, at start-up (each counts as seen when it was last written) and as the fallback. */
  async rescanBees(startup = false): Promise<void> {
    const scanStartedAt = this.parts.now();
    const names = await readdir(this.parts.paths.bees).catch(() => [] as string[]);
    const present = new Set<string>();
    for (const name of names) {
      const read = await this.readPresence(name);
      if (!read || read === 'gone' || `${read.record.bee}.json` !== name) continue;
      present.add(read.record.bee);
      await this.recordPresence(this.parts.presence.seen(read.record, startup ? read.mtimeMs : undefined));
    }
    await this.recordPresence(this.parts.presence.missing(present, scanStartedAt));
  }

  /** Judges the bees again (heartbeats age, processes die): every few seconds. */
  checkBees(at?: number): Promise<void> {
    return this.recordPresence(this.parts.presence.check(at));
  }

  private async readPresence(name: string) {
    const file = path.join(this.parts.paths.bees, name);
    try {
      // O_NONBLOCK: a named pipe named like a presence file must not hold a thread.
      const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        const stat = await handle.stat();
        if (!stat.isFile() || stat.size > MAX_PRESENCE_BYTES) return null;
        const parsed = BeePresenceSchema.safeParse(JSON.parse(await handle.readFile('utf8')));
        if (!parsed.success) {
          log.warnOnce(
            `presence:${name}`,
            `ignoring bees/${name}: not a presence file (${parsed.error.issues[0]?.message})`,
          );
          return null;
        }
        return { record: parsed.data, mtimeMs: stat.mtimeMs };
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone' as const;
      // Half-written (a bee that writes in place), a symlink, unreadable: the next heartbeat will do.
      return null;
    }
  }

  private async recordPresence(changes: PresenceChange[]): Promise<void> {
    for (const change of changes) {
      const record = change.record;
      await this.parts.ledger
        .append({
          event_type: change.kind === 'online' ? 'bee_online' : 'bee_offline',
          task_id: null,
          actor: change.kind === 'offline' && change.reason !== 'stopped' ? SERVER_ACTOR : change.bee,
          data: {
            bee: change.bee,
            ...(record ? { bots: record.bots, host: record.host, pid: record.pid } : {}),
            ...(change.kind === 'offline' ? { reason: change.reason } : {}),
          },
        })
        .catch((err) => log.error(`could not record the presence of ${change.bee}`, err));
    }
  }
}
