/**
 * What a bee does with a task. The built-in handler writes a useful Markdown answer so the
 * demo completes; an exec handler runs a command (how a `claude` or `codex` CLI plugs in)
 * with the task JSON on stdin and takes its stdout as the response.
 */
import { spawn } from 'node:child_process';
import type { TaskFile } from '../../server/contracts/task';
import { endProcessGroup } from './process-group';

export type HandlerResult = { ok: true; markdown: string } | { ok: false; markdown: string; reason: string };
/**
 * A handler may answer at once (the built-in one) or later (a command). `signal` aborts when the
 * task is cancelled or the bee must stop at once: stop the work, and return (or throw) once
 * nothing of it runs any more. The bee then discards the result.
 */
export type Handler = (task: TaskFile, signal: AbortSignal) => HandlerResult | Promise<HandlerResult>;

const PLANS: Record<string, string[]> = {
  code: [
    'Read the summary and the files it names',
    'Write the change with tests beside it',
    'Run the tests',
    'Report what changed',
  ],
  design: [
    'Restate the problem and its constraints',
    'Sketch two options with their trade-offs',
    'Recommend one and say why',
  ],
  planning: ['List the deliverables', 'Order them by dependency', 'Estimate each and flag the risks'],
};

export function builtinHandler(botId: string): Handler {
  return (task, signal) => {
    signal.throwIfAborted();
    const plan = PLANS[task.intent.toLowerCase()] ?? ['Clarify what is asked', 'Do the work', 'Report the result'];
    const routing = task.routing ? ` (rule \`${task.routing.rule}\` of the ${task.routing.source} table)` : '';
    const markdown = [
      `# ${task.title}`,
      '',
      `Answered by **${botId}** for task \`${task.task_id}\`.`,
      '',
      '## The task',
      '',
      `- Intent: ${task.intent}`,
      `- Routed to: ${task.lane} / ${task.provider} / ${task.delivery_mode}${routing}`,
      ...(task.kb_entities.length ? [`- KB entities: ${task.kb_entities.join(', ')}`] : []),
      '',
      task.summary ? `> ${task.summary.replace(/\n/g, '\n> ')}` : '> (no summary)',
      '',
      '## Plan',
      '',
      ...plan.map((step, i) => `${i + 1}. ${step}`),
      '',
    ].join('\n');
    return { ok: true, markdown };
  };
}

const OUTPUT_LIMIT = 4 * 1024 * 1024;

/**
 * Runs `command` in a shell, task JSON on stdin; a non-zero exit or the timeout is a failure.
 * The command leads its own process group; a timeout or an abort ends the whole group (a
 * shell's children too) and the handler returns only once none of it runs.
 */
export function execHandler(command: string, timeoutMs: number): Handler {
  return (task, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve(failure(task, command, 'was not started: the task was stopped', '', ''));
      const started = Date.now();
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let ended: 'timed out' | 'stopped' | null = null;
      let ending: Promise<boolean> | null = null;
      let exit: { code: number | null; error?: Error } | null = null;

      const finish = (result: { code: number | null; error?: Error }) => {
        if (exit) return;
        exit = result;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const { code, error } = result;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const reason =
          ended === 'timed out'
            ? `timed out after ${timeoutMs / 1000} s`
            : ended === 'stopped'
              ? `was stopped after ${seconds} s`
              : error
                ? `could not start: ${error.message}`
                : `exited with code ${code} after ${seconds} s`;
        // After a timeout or an abort, answer only once the whole group is gone.
        void (ending ?? Promise.resolve()).then(() =>
          resolve(
            !error && !ended && code === 0
              ? { ok: true, markdown: stdout }
              : failure(task, command, reason, stdout, stderr),
          ),
        );
      };
      const end = (why: 'timed out' | 'stopped') => {
        ended ??= why;
        if (child.pid === undefined || ending) return;
        ending = endProcessGroup(child.pid);
        // A process outside the group may still hold our pipes; once the group is gone we are done with them.
        void ending.then(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish({ code: null });
        });
      };
      const timer = setTimeout(() => end('timed out'), timeoutMs);
      const onAbort = () => end('stopped');
      signal.addEventListener('abort', onAbort, { once: true });

      child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(0, OUTPUT_LIMIT)));
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(task));
      child.on('error', (err) => finish({ code: null, error: err }));
      child.on('close', (code) => finish({ code }));
    });
}

function failure(task: TaskFile, command: string, reason: string, stdout: string, stderr: string): HandlerResult {
  return { ok: false, reason, markdown: failureReport(task, command, reason, stdout, stderr) };
}

function failureReport(task: TaskFile, command: string, reason: string, stdout: string, stderr: string): string {
  const fence = (text: string) => ['```', text.trimEnd().slice(-4000), '```'].join('\n');
  return [
    `# Task ${task.task_id} failed`,
    '',
    `The handler \`${command}\` ${reason}. The task is marked \`blocked\`.`,
    '',
    ...(stderr.trim() ? ['## stderr (last lines)', '', fence(stderr), ''] : []),
    ...(stdout.trim() ? ['## stdout (last lines)', '', fence(stdout), ''] : []),
  ].join('\n');
}
