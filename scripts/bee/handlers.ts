/**
 * What a bee does with a task. The built-in handler writes a useful Markdown answer so the
 * demo completes; an exec handler runs a command (how a `claude` or `codex` CLI plugs in)
 * with the task JSON on stdin and takes its stdout as the response.
 */
import { spawn } from 'node:child_process';
import type { TaskFile } from '../../server/contracts/task';

export type HandlerResult = { ok: true; markdown: string } | { ok: false; markdown: string; reason: string };
/** A handler may answer at once (the built-in one) or later (a command). */
export type Handler = (task: TaskFile) => HandlerResult | Promise<HandlerResult>;

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
  return (task) => {
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

/** Runs `command` in a shell, task JSON on stdin; a non-zero exit or the timeout is a failure. */
export function execHandler(command: string, timeoutMs: number): Handler {
  return (task) =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        // The whole process group, so a shell's children stop too.
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(0, OUTPUT_LIMIT)));
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(task));
      const finish = (code: number | null, error?: Error) => {
        clearTimeout(timer);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (!error && !timedOut && code === 0) return resolve({ ok: true, markdown: stdout });
        const reason = timedOut
          ? `timed out after ${timeoutMs / 1000} s`
          : error
            ? `could not start: ${error.message}`
            : `exited with code ${code} after ${seconds} s`;
        resolve({ ok: false, reason, markdown: failureReport(task, command, reason, stdout, stderr) });
      };
      child.on('error', (err) => finish(null, err));
      child.on('close', (code) => finish(code));
    });
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
