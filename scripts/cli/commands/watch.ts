/** `hive watch`: follow the hive's ledger live, one line (or JSON object) per event, until Ctrl-C. */
import type { LedgerEvent } from '../../../server/contracts/ledger';
import { expectPositionals, numberFlag } from '../args';
import { defineCommand } from '../command';
import { toCliError } from '../errors';
import { EXIT, type ExitCode } from '../exit-codes';
import { formatEvent } from '../format';

const RESUBSCRIBE_MS = 1000;

export const watchCommand = defineCommand({
  name: 'watch',
  summary: 'follow the live event stream (every dispatch, claim, response, archive)',
  usage: 'watch [--task ID] [--since EVENT_ID]',
  description:
    'Prints each ledger event as it is committed: time, event id, type, task id and a short form\n' +
    'of its data. Reconnects by itself and resumes after the last event it printed. Ctrl-C stops.',
  flags: {
    task: { type: 'string', placeholder: 'ID', help: 'only events of this task' },
    since: {
      type: 'string',
      placeholder: 'EVENT_ID',
      help: 'replay events after this ledger id first (default: only new ones)',
    },
  },
  fieldFlags: { lastEventId: '--since' },
  examples: ['hive watch', 'hive watch --task TASK-20261125114941-5f88e3', 'hive watch --since 0 --json | jq -c .'],
  async run({ flags, positionals, client, url, out }) {
    expectPositionals(positionals, [], 'watch');
    const since = numberFlag(flags.since, 'since', true);
    // The stream link retries a refused connection forever; one query first turns "no server" into exit 5.
    await client.routing.table.query();

    return new Promise<ExitCode>((resolve) => {
      let lastId: string | null = since !== undefined ? String(since) : null;
      let subscription: { unsubscribe(): void } | null = null;
      let started = false;
      let lost = false;
      let stopped = false;
      const finish = (code: ExitCode) => {
        stopped = true;
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        subscription?.unsubscribe();
        resolve(code);
      };
      const stop = () => finish(EXIT.ok);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);

      const print = (event: LedgerEvent) => {
        if (flags.task !== undefined && event.task_id !== flags.task) return;
        if (out.json) out.data(event);
        else out.line(formatEvent(event));
      };

      const subscribe = () => {
        subscription = client.hive.live.subscribe(lastId !== null ? { lastEventId: lastId } : undefined, {
          onStarted: () => {
            if (!started) out.note(`watching ${url}${flags.task ? ` for ${flags.task}` : ''} (Ctrl-C to stop)`);
            else if (lost) out.note('reconnected');
            started = true;
            lost = false;
          },
          onData: ({ id, data }) => {
            lastId = id;
            print(data);
          },
          onConnectionStateChange: (state) => {
            if (state.state === 'connecting' && state.error && !lost) {
              lost = true;
              out.note(`connection to ${url} lost (${state.error.message}); reconnecting…`);
            }
          },
          onError: (err) => {
            const error = toCliError(err, url);
            out.error(error, { lastEventId: '--since' });
            finish(error.exitCode);
          },
          // The server ends the stream when it stops; follow it across the restart.
          onComplete: () => {
            if (stopped) return;
            lost = true;
            out.note('the server closed the stream (restarting?); reconnecting…');
            setTimeout(() => stopped || subscribe(), RESUBSCRIBE_MS);
          },
        });
      };
      subscribe();
    });
  },
});
