/**
 * The answer a bee sends over HTTP. The contract refuses empty content, so a handler that
 * printed nothing answers `blocked`, saying so. The server takes bodies up to
 * HIVE_MAX_BODY_BYTES (1 MiB by default) while a command may print more; an answer it
 * refuses as too large (413) must not leave the task unanswered, so the bee answers
 * `blocked` instead, saying so, with the beginning of what the command printed.
 */
import type { LeaseActionResult, ResponseInput } from '../../server/contracts/bee-protocol';
import type { HandlerResult } from './handlers';
import { HttpError, type HiveClient } from './hive-client';

export interface Answer {
  content: string;
  status: 'completed' | 'blocked';
  /** Why it is `blocked`, for the log. */
  reason: string;
}

export function answerOf(taskId: string, result: HandlerResult): Answer {
  if (!result.markdown) {
    const content = `# Task ${taskId} failed\n\nThe handler finished without printing an answer. The task is marked \`blocked\`.\n`;
    return { content, status: 'blocked', reason: 'the handler printed nothing' };
  }
  return result.ok
    ? { content: result.markdown, status: 'completed', reason: '' }
    : { content: result.markdown, status: 'blocked', reason: result.reason };
}

/** Enough of the answer to see what it was, well under any sensible body limit. */
const EXCERPT_CHARS = 16 * 1024;

export async function deliverAnswer(
  client: HiveClient,
  taskId: string,
  input: ResponseInput,
  signal: AbortSignal,
): Promise<{ result: LeaseActionResult; status: 'completed' | 'blocked' }> {
  try {
    return { result: await client.respond(taskId, input, signal), status: input.status ?? 'completed' };
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 413) throw err;
    const content = [
      `# Task ${taskId}: the answer was too large to send`,
      '',
      `The server refused the answer (${input.content.length} characters): ${err.message} The task is marked \`blocked\`.`,
      '',
      '## Its beginning',
      '',
      '```',
      input.content.slice(0, EXCERPT_CHARS),
      '```',
      '',
    ].join('\n');
    const result = await client.respond(taskId, { lease_token: input.lease_token, content, status: 'blocked' }, signal);
    return { result, status: 'blocked' };
  }
}
