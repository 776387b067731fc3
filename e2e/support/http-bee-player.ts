/**
 * The bee player (bee-player.ts) for a hive with no files (Postgres): the same moves — announce
 * itself and keep a heartbeat, claim, rewrite its status, answer, fall silent — made over HTTP
 * with the bee protocol, as a bee on another machine makes them.
 */
import type { ServerProcess } from '../../scripts/lib/server-process';
import { PlayedBee } from './bee-player';
import { HttpBee } from './hive-api';
import type { Store } from './store';

const HEARTBEAT_MS = 3_000;

/** What the UI specs ask of a played bee, on either store. */
export interface BeePlayer {
  readonly name: string;
  readonly bot: string;
  start(): Promise<void>;
  claim(taskId: string): Promise<boolean>;
  /** `task` is the task's task_path (the id is its last segment on Postgres). */
  setStatus(task: string, status: string): Promise<void>;
  answer(taskId: string, content: string): Promise<void>;
  stop(): Promise<void>;
}

export class PlayedHttpBee implements BeePlayer {
  private readonly bee: HttpBee;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    server: ServerProcess,
    readonly name: string,
    readonly bot: string,
  ) {
    this.bee = new HttpBee(server, name);
  }

  async start(): Promise<void> {
    await this.bee.heartbeat([this.bot]);
    this.timer = setInterval(() => void this.bee.heartbeat([this.bot]).catch(() => {}), HEARTBEAT_MS);
  }

  /** Claims the oldest waiting task of its bot (over HTTP a bee cannot pick one): true when that is `taskId`. */
  async claim(taskId: string): Promise<boolean> {
    return (await this.bee.claim([this.bot])) === taskId;
  }

  setStatus(task: string, status: string): Promise<void> {
    return this.bee.setStatus(task.split('/').pop()!, status);
  }

  answer(taskId: string, content: string): Promise<void> {
    return this.bee.respond(taskId, content);
  }

  /** It stops calling: its heartbeat goes quiet. */
  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Promise.resolve();
  }
}

/** A played bee for the store: its files on files, the bee protocol over HTTP on Postgres. */
export function playBee(server: ServerProcess, store: Store, name: string, bot: string): BeePlayer {
  return store === 'postgres' ? new PlayedHttpBee(server, name, bot) : new PlayedBee(server.root, name, bot);
}
