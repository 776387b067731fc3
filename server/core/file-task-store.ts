/**
 * The task store of the embedded hive: a task is a file in its bot's inbox (or `held/`), an
 * answer a file in `responses/`, found through the in-memory indexes rebuilt from disk at
 * start-up. A dispatch writes the files, then records them in one ledger commit.
 */
import type { CompletedResponse } from '../contracts/task';
import { Dispatcher, type DispatcherParts } from './dispatcher';
import { relativeToRoot } from './hive-paths';
import type { ResponseIndex } from './response-index';
import { readResponsePreview } from './response-files';
import { readTaskFile, taskFilePath } from './task-files';
import type { TaskRead, TaskStore } from './task-store';

export class FileTaskStore implements TaskStore {
  readonly dispatch: Dispatcher['dispatch'];

  constructor(private readonly parts: DispatcherParts & { responses: ResponseIndex }) {
    const dispatcher = new Dispatcher(parts);
    this.dispatch = (items, actor) => dispatcher.dispatch(items, actor);
  }

  async readTask(taskId: string): Promise<TaskRead> {
    const { paths, tasks } = this.parts;
    for (;;) {
      const ref = tasks.get(taskId);
      if (!ref) return { kind: 'missing' };
      const file = taskFilePath(paths, ref);
      const read = await readTaskFile(file);
      const task_path = relativeToRoot(paths, file);
      if (read.ok) return { kind: 'found', task: read.task, task_path };
      // Moved while it was read (held → inbox, archived): read it where it is now.
      if (read.missing && tasks.get(taskId) !== ref) continue;
      if (read.missing) return { kind: 'missing' };
      return { kind: 'unreadable', task_path, reason: read.reason };
    }
  }

  async latestResponse(taskId: string): Promise<CompletedResponse | null> {
    const { paths, responses } = this.parts;
    const latest = responses.latestFor(taskId);
    if (!latest) return null;
    const content = await readResponsePreview(paths.responses, latest.name);
    if (content === null) return null;
    return { status: 'completed', response_path: relativeToRoot(paths, `${paths.responses}/${latest.name}`), content };
  }

  counts(): { tasks: number; responses: number } {
    return { tasks: this.parts.tasks.size, responses: this.parts.responses.size };
  }
}
