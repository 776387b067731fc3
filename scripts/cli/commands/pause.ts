/** `hive pause BOT` and `hive resume BOT`: hold a bot's new tasks out of its inbox, and let them in again. */
import { onePositional } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatPause } from '../format-actions';

export const pauseCommand = defineCommand({
  name: 'pause',
  summary: 'pause a bot: its new tasks are held out of its inbox until it resumes',
  usage: 'pause BOT_ID',
  description:
    'Tasks dispatched to a paused bot are recorded and held (state held) instead of going to its\n' +
    'inbox; tasks already there, and those a bee holds, are left alone. The pause survives a restart.',
  flags: {},
  fieldFlags: { bot_id: 'BOT_ID' },
  examples: ['hive pause BEE-002', 'hive list --bot BEE-002 --state held'],
  async run({ positionals, client, out }) {
    const botId = onePositional(positionals, 'BOT_ID', 'pause', 'Bot ids are listed by `hive bots`.');
    const result = await client.bots.pause.mutate({ bot_id: botId });
    if (out.json) out.data(result);
    else out.line(formatPause(result));
    return EXIT.ok;
  },
});

export const resumeCommand = defineCommand({
  name: 'resume',
  summary: 'resume a paused bot: its held tasks go to its inbox, oldest first',
  usage: 'resume BOT_ID',
  description: "Ends the pause; the tasks held meanwhile go to the bot's inbox in the order they were dispatched.",
  flags: {},
  fieldFlags: { bot_id: 'BOT_ID' },
  examples: ['hive resume BEE-002'],
  async run({ positionals, client, out }) {
    const botId = onePositional(positionals, 'BOT_ID', 'resume', 'Bot ids are listed by `hive bots`.');
    const result = await client.bots.resume.mutate({ bot_id: botId });
    if (out.json) out.data(result);
    else out.line(formatPause(result));
    return EXIT.ok;
  },
});
