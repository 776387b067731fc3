/** `hive bulk ACTION`: cancel, retry, reassign or reclaim many tasks (by ids or by the list's filters), and follow it. */
import { BULK_ACTIONS } from '../../../server/contracts/actions';
import { closest } from '../../lib/suggest';
import { expectPositionals } from '../args';
import { waitForBulk, type BulkStatus } from '../bulk-wait';
import type { HiveClient } from '../client';
import { defineCommand, type CommandContext } from '../command';
import { usageError } from '../errors';
import { EXIT, type ExitCode } from '../exit-codes';
import { FILTER_FIELD_FLAGS, FILTER_FLAGS, filterFromFlags, hasFilter } from '../filters';
import { bulkProgress, formatBulkStatus } from '../format-actions';
import type { Output } from '../output';
import { keyValues } from '../output';
import { ProgressLine } from '../progress';
import { readStdin } from '../stdin';

type Action = (typeof BULK_ACTIONS)[number];
const isAction = (word: string): word is Action => (BULK_ACTIONS as readonly string[]).includes(word);

const FLAGS = {
  ids: {
    type: 'string',
    multiple: true,
    placeholder: 'ID,ID…',
    help: "these tasks, comma-separated ('-' reads them from stdin, one per line)",
  },
  ...FILTER_FLAGS,
  all: { type: 'boolean', help: 'every task in the hive (no filter); needed when no --ids or filter is given' },
  to: { type: 'string', placeholder: 'ID', help: 'reassign: the bot to give the tasks to' },
  reason: { type: 'string', placeholder: 'TEXT', help: 'cancel, retry: why, recorded in the ledger' },
  'dry-run': { type: 'boolean', help: 'only count the tasks that match; change nothing' },
  wait: { type: 'boolean', help: 'show progress until it is done, then a summary and the first failures' },
} as const;

type Context = CommandContext<typeof FLAGS>;

async function taskIds(values: readonly string[]): Promise<string[]> {
  const words = await Promise.all(values.map((v) => (v === '-' ? readStdin() : Promise.resolve(v))));
  const ids = words.flatMap((w) => w.split(/[\s,]+/)).filter(Boolean);
  if (ids.length === 0) throw usageError('--ids names no task.', 'Give ids separated by commas: --ids TASK-1,TASK-2.');
  return ids;
}

function parseAction(word: string | undefined): Action | 'status' {
  const words = [...BULK_ACTIONS, 'status'];
  if (word === undefined) {
    throw usageError(
      'Missing the action: `hive bulk ACTION`.',
      `Actions: ${BULK_ACTIONS.join(', ')}; \`hive bulk status BULK_ID\` follows one. See \`hive bulk --help\`.`,
    );
  }
  if (isAction(word) || word === 'status') return word;
  const guess = closest(word, words);
  throw usageError(
    `Unknown bulk action "${word}".${guess ? ` Did you mean \`hive bulk ${guess}\`?` : ''}`,
    `Actions: ${BULK_ACTIONS.join(', ')}, and status BULK_ID. See \`hive bulk --help\`.`,
  );
}

/** The exit code of an ended job: failures and interruptions are not "done". */
function endCode(status: BulkStatus): ExitCode {
  if (status.state === 'interrupted') return EXIT.serverError;
  return status.failed > 0 ? EXIT.someFailed : EXIT.ok;
}

function report(out: Output, status: BulkStatus): ExitCode {
  if (out.json) out.data(status);
  else out.line(formatBulkStatus(status));
  if (status.state === 'interrupted') {
    out.note(
      `The server stopped before ${status.bulk_id} finished: ${status.done + status.failed} of ${status.matched} ` +
        'tasks were acted on. Run the same bulk action again for the rest (those already done are refused).',
    );
  } else if (status.failed > 0) {
    out.note(`${status.failed} of ${status.matched} failed.`);
  }
  return endCode(status);
}

async function follow(client: HiveClient, bulkId: string, { out, url }: Pick<Context, 'out' | 'url'>) {
  const progress = new ProgressLine();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await waitForBulk(client, bulkId, {
      url,
      signal: abort.signal,
      onProgress: (status, problem) => {
        if (out.json && !progress.interactive) return;
        if (!status) return progress.update(problem ?? '', `${bulkId}: server unreachable; retrying`);
        const text = bulkProgress(status) + (problem ? ' (server unreachable; retrying)' : '');
        progress.update(text, text);
      },
    });
    progress.clear();
    if (result.kind === 'ended') return report(out, result.status);
    out.note(`Stopped waiting; ${bulkId} carries on. Follow it with \`hive bulk status ${bulkId} --wait\`.`);
    return EXIT.interrupted;
  } finally {
    progress.clear();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function status(ctx: Context): Promise<ExitCode> {
  const { flags, positionals, client, out } = ctx;
  expectPositionals(positionals, ['status', 'BULK_ID'], 'bulk status');
  const bulkId = positionals[1];
  if (bulkId === undefined) {
    throw usageError('Missing BULK_ID: `hive bulk status BULK_ID`.', '`hive bulk ACTION` prints it when it starts.');
  }
  const used = Object.keys(flags).filter((f) => !['wait', 'json', 'url'].includes(f));
  if (used.length) throw usageError(`\`hive bulk status\` takes only BULK_ID and --wait (got --${used[0]}).`);
  if (flags.wait) return follow(client, bulkId, ctx);
  const current = await client.bulk.status.query({ bulk_id: bulkId });
  if (current.state === 'running') {
    if (out.json) out.data(current);
    else out.line(formatBulkStatus(current));
    return EXIT.ok;
  }
  return report(out, current);
}

export const bulkCommand = defineCommand({
  name: 'bulk',
  summary: 'cancel, retry, reassign or reclaim many tasks at once (--wait to follow it)',
  usage:
    'bulk cancel|retry|reassign|reclaim (--ids ID,ID…|- | FILTERS | --all) [--to ID] [--reason TEXT] [--dry-run] [--wait]\n' +
    '       hive bulk status BULK_ID [--wait]',
  description:
    'Acts on every task named by --ids, or matching the filters of `hive list` (--state, --stuck, --status,\n' +
    '--lane, --provider, --bot, --intent, --search). The set is fixed when the action starts; each task\n' +
    'goes through the same action as `hive cancel|retry|reassign|reclaim` would. Prints how many tasks\n' +
    'matched; --dry-run stops there. With --wait it shows progress on stderr until the action is done,\n' +
    'then a summary with the first failures, and exits 8 if any task failed.\n' +
    'reassign takes the bot to give the tasks to as --to (--bot filters, as in `hive list`).',
  flags: FLAGS,
  fieldFlags: {
    ...FILTER_FIELD_FLAGS,
    ids: '--ids',
    bot_id: '--to',
    reason: '--reason',
    filter: 'filters',
    // The filter travels as one field; its parts are the list's flags.
    ...Object.fromEntries(Object.entries(FILTER_FIELD_FLAGS).map(([field, flag]) => [`filter.${field}`, flag])),
    bulk_id: 'BULK_ID',
  },
  examples: [
    'hive bulk cancel --bot BEE-002 --state waiting --dry-run',
    'hive bulk cancel --bot BEE-002 --state waiting --reason "bot retired" --wait',
    'hive bulk reassign --bot BEE-002 --state waiting --to BEE-003 --wait',
    'hive bulk reclaim --stuck --state claimed --wait',
    'hive list --state blocked --json | jq -r ".items[].task_id" | hive bulk retry --ids - --wait',
    'hive bulk status BULK-0c6d… --wait',
  ],
  async run(ctx) {
    const { flags, positionals, client, out } = ctx;
    const action = parseAction(positionals[0]);
    if (action === 'status') return status(ctx);
    expectPositionals(positionals, ['ACTION'], `bulk ${action}`);

    const filter = filterFromFlags(flags);
    const ids = flags.ids ? await taskIds(flags.ids) : undefined;
    if (ids && (hasFilter(filter) || flags.all)) {
      throw usageError('Give either --ids or filters (or --all), not both.');
    }
    if (flags.all && hasFilter(filter)) throw usageError('--all means every task: drop it, or drop the filters.');
    if (!ids && !hasFilter(filter) && !flags.all) {
      throw usageError(
        `Say which tasks to ${action}: --ids ID,ID…, filters as in \`hive list\` (e.g. --state waiting --bot BEE-001), or --all.`,
      );
    }
    if (action === 'reassign' && flags.to === undefined) {
      throw usageError(
        'bulk reassign needs --to ID, the bot to give the tasks to.',
        '--bot filters the tasks by the bot they have now, as in `hive list`.',
      );
    }
    if (action !== 'reassign' && flags.to !== undefined) throw usageError(`--to only applies to bulk reassign.`);
    const dryRun = flags['dry-run'] === true;
    if (dryRun && flags.wait) throw usageError('--dry-run changes nothing, so there is nothing to --wait for.');

    const started = await client.bulk.start.mutate({
      action,
      ...(ids ? { ids } : { filter }),
      ...(flags.to !== undefined ? { bot_id: flags.to } : {}),
      ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
      dry_run: dryRun,
    });
    const noun = started.matched === 1 ? 'task' : 'tasks';
    if (dryRun) {
      if (out.json) out.data(started);
      else out.line(`${action}: ${started.matched} ${noun} ${started.matched === 1 ? 'matches' : 'match'}`);
      out.note('dry run: nothing was changed');
      return EXIT.ok;
    }
    const bulkId = started.bulk_id ?? '';
    if (flags.wait) {
      if (!out.json) out.line(`${action}: ${started.matched} ${noun} matched\n`);
      return follow(client, bulkId, ctx);
    }
    if (out.json) out.data(started);
    else {
      out.line(
        keyValues([
          ['bulk', bulkId],
          ['action', action],
          ['matched', String(started.matched)],
        ]),
      );
    }
    out.note(`Started. Follow it with \`hive bulk status ${bulkId} --wait\`.`);
    return EXIT.ok;
  },
});
