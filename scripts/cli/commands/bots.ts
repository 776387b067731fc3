/** `hive bots`: inbox health per bot, the bees and their heartbeats, and what is stuck. */
import { expectPositionals } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatBotsHealth } from '../format-health';

export const botsCommand = defineCommand({
  name: 'bots',
  summary: 'inbox health: tasks waiting per bot, live bees, and warnings',
  usage: 'bots [--check]',
  description:
    'For each bot: tasks waiting and how long the oldest has waited, in progress, blocked, held (paused),\n' +
    'and how many live bees serve it. Then every bee that announced itself (live while its heartbeat is\n' +
    'under 30 s old) with the task in hand, and the warnings: no_live_bee (tasks wait and no live bee\n' +
    'serves their bot), stale_claim (a bee that is gone holds a task: `hive reclaim` it), long_running.\n' +
    'With --check the exit code says whether there are warnings, for cron and monitoring.',
  flags: {
    check: { type: 'boolean', help: 'exit 9 when there are warnings (exit 0 otherwise)' },
  },
  examples: [
    'hive bots',
    'hive bots --json | jq ".bots[] | select(.waiting > 0)"',
    'hive bots --check > /dev/null || echo "the hive needs a look"',
  ],
  async run({ flags, positionals, client, out }) {
    expectPositionals(positionals, [], 'bots');
    const health = await client.hive.bots.query();
    if (out.json) out.data(health);
    else out.line(formatBotsHealth(health));
    const count = health.warnings.length;
    if (flags.check && count > 0) {
      out.note(`check: ${count} warning${count === 1 ? '' : 's'}`);
      return EXIT.warnings;
    }
    return EXIT.ok;
  },
});
