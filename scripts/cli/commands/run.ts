/** `hive run`: dispatch a task, print where it was routed, and optionally wait for the bee's answer. */
import { numberFlag, requireFlags, expectPositionals } from '../args';
import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { formatDispatch, formatResponse } from '../format';
import { formatElapsed, ProgressLine } from '../progress';
import { readStdin } from '../stdin';
import { waitForResponse, type WaitResult } from '../wait';

const DEFAULT_WAIT_SECONDS = 60;

export const runCommand = defineCommand({
  name: 'run',
  summary: 'dispatch a task and show how it was routed (--wait for the response)',
  usage: 'run --intent INTENT --title TEXT --summary TEXT [--bot ID] [--kb NAME]... [--wait [--timeout S]]',
  description:
    'Routes the task, writes its task file for a bee, and prints the decision: task id, lane,\n' +
    'provider, delivery mode, the rule that fired and the task file. With --wait it then shows\n' +
    'progress until a bee writes the response, and prints the response preview (exit 7 if the\n' +
    'task is cancelled meanwhile).',
  flags: {
    intent: {
      type: 'string',
      placeholder: 'INTENT',
      help: 'design, planning, code, or anything else (see `hive routes`)',
    },
    title: { type: 'string', placeholder: 'TEXT', help: 'short title, 1-200 characters' },
    summary: { type: 'string', placeholder: 'TEXT', help: "what to do, up to 20,000 characters ('-' reads stdin)" },
    bot: { type: 'string', placeholder: 'ID', help: 'the bee to give it to (default BEE-001)' },
    kb: { type: 'string', multiple: true, placeholder: 'NAME', help: 'a knowledge-base entity for the task' },
    'task-id': {
      type: 'string',
      placeholder: 'ID',
      help: 'choose the task id (default generated); an existing id is refused',
    },
    wait: { type: 'boolean', help: 'wait for the response and print it' },
    timeout: {
      type: 'string',
      placeholder: 'S',
      help: `seconds to wait, 1-3600 (default ${DEFAULT_WAIT_SECONDS}); needs --wait`,
    },
  },
  fieldFlags: {
    intent: '--intent',
    title: '--title',
    summary: '--summary',
    bot_id: '--bot',
    kb_entities: '--kb',
    task_id: '--task-id',
    timeout_seconds: '--timeout',
  },
  examples: [
    'hive run --intent code --title "Create hello.py" --summary "Write a hello world script"',
    'hive run --intent review --title "Review PR 12" --summary - --kb repo:web < notes.md',
    'hive run --intent code --title "Fix test" --summary "…" --wait --timeout 120',
    'hive run --intent code --title T --summary S --json | jq -r .task_id',
  ],
  async run({ flags, positionals, client, url, out }) {
    expectPositionals(positionals, [], 'run');
    requireFlags(flags, ['intent', 'title', 'summary'], 'run');
    const timeout = numberFlag(flags.timeout, 'timeout');
    if (timeout !== undefined && !flags.wait) {
      throw usageError('--timeout only applies with --wait.', 'Add --wait, or drop --timeout.');
    }
    const summary = flags.summary === '-' ? await readStdin() : (flags.summary ?? '');

    const startedAt = Date.now();
    const dispatched = await client.tasks.run.mutate({
      intent: flags.intent ?? '',
      title: flags.title ?? '',
      summary,
      ...(flags.bot !== undefined ? { bot_id: flags.bot } : {}),
      ...(flags.kb ? { kb_entities: flags.kb } : {}),
      ...(flags['task-id'] !== undefined ? { task_id: flags['task-id'] } : {}),
      // Sent so the server validates it (and owns its range) before anything is dispatched.
      ...(timeout !== undefined ? { timeout_seconds: timeout } : {}),
    });
    if (!flags.wait) {
      if (out.json) out.data(dispatched);
      else out.line(formatDispatch(dispatched));
      return EXIT.ok;
    }

    if (!out.json) out.line(formatDispatch(dispatched));
    const timeoutSeconds = timeout ?? DEFAULT_WAIT_SECONDS;
    const progress = new ProgressLine();
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let result: WaitResult;
    try {
      result = await waitForResponse(client, {
        taskId: dispatched.task_id,
        timeoutMs: timeoutSeconds * 1000,
        startedAt,
        url,
        signal: abort.signal,
        onProgress: ({ status, elapsedMs, problem }) => {
          if (out.json && !progress.interactive) return;
          const state = problem ? `${status}, server unreachable; retrying` : status;
          progress.update(
            state,
            `waiting for ${dispatched.task_id}: ${state}, ${formatElapsed(elapsedMs)} of ${formatElapsed(timeoutSeconds * 1000)}`,
          );
        },
      });
    } finally {
      progress.clear();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }

    const later = `Ask again later with \`hive status ${dispatched.task_id}\`.`;
    if (result.kind === 'completed') {
      out.note(`completed after ${(result.elapsedMs / 1000).toFixed(1)}s`);
      if (out.json) out.data({ ...dispatched, response: result.response });
      else out.line(`\n${formatResponse(result.response)}`);
      return EXIT.ok;
    }
    if (result.kind === 'cancelled') {
      if (out.json) out.data({ ...dispatched, response: { status: 'cancelled', task_id: dispatched.task_id } });
      out.note(`${dispatched.task_id} was cancelled while waiting for it; no response will come.`);
      return EXIT.conflict;
    }
    if (result.kind === 'timeout') {
      if (out.json) out.data({ ...dispatched, response: { status: 'timeout', task_id: dispatched.task_id } });
      out.note(
        `timeout: no response to ${dispatched.task_id} within ${timeoutSeconds}s (status: ${result.lastStatus}); the task stays dispatched. ${later}`,
      );
      return EXIT.timeout;
    }
    if (out.json) out.data({ ...dispatched, response: { status: 'interrupted', task_id: dispatched.task_id } });
    out.note(`Stopped waiting; ${dispatched.task_id} stays dispatched. ${later}`);
    return EXIT.interrupted;
  },
});
