/**
 * `hive tokens add|list|revoke`: the bee tokens of the server on this machine (DESIGN §8).
 * They are edited in the token file beside the hive, not over the API: whoever may create
 * tokens already has the server's files, and a token is never sent anywhere to be made.
 */
import { BeeNameSchema, BotIdSchema } from '../../../server/contracts/ids';
import { addBeeToken, beeTokensFile, readTokenFile, revokeBeeToken } from '../../../server/core/bee-tokens';
import { expectPositionals } from '../args';
import { defineCommand } from '../command';
import { CliError, usageError } from '../errors';
import { EXIT } from '../exit-codes';

const ACTIONS = ['add', 'list', 'revoke'] as const;

export const tokensCommand = defineCommand({
  name: 'tokens',
  summary: 'bee tokens: let a bee on another machine serve some bots, and nothing else',
  usage: 'tokens add NAME --bot BOT_ID [--bot …] | tokens list | tokens revoke NAME',
  description:
    'A bee token lets a bee call only the bee endpoints (heartbeat, claim, lease, status, response,\n' +
    'release) for the bots it was given; the server answers 403 to anything else and 401 to a token it\n' +
    'does not know. Tokens are stored hashed in .deia/bee-tokens.json under HIVE_ROOT (or\n' +
    'HIVE_BEE_TOKENS_FILE); `add` prints the token once. The running server picks changes up at once.\n' +
    'Run this on the server machine, in the directory the server runs in (or give --root).',
  flags: {
    bot: { type: 'string', multiple: true, placeholder: 'BOT_ID', help: 'a bot the token may serve (repeatable)' },
    root: { type: 'string', placeholder: 'DIR', help: 'the server HIVE_ROOT (default $HIVE_ROOT or .)' },
  },
  examples: [
    'hive tokens add gpu-box --bot BEE-001',
    'HIVE_BEE_TOKEN=hbt_… npm run bee -- --url http://server:8010 --bot BEE-001',
    'hive tokens list',
    'hive tokens revoke gpu-box',
  ],
  async run({ flags, positionals, out }) {
    const [action, name] = positionals;
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw usageError(
        action ? `Unknown tokens action "${action}".` : 'Missing the action: add, list or revoke.',
        'Example: hive tokens add gpu-box --bot BEE-001',
      );
    }
    const file = beeTokensFile(flags.root ?? process.env.HIVE_ROOT ?? process.cwd(), process.env.HIVE_BEE_TOKENS_FILE);
    if (action === 'list') {
      expectPositionals(positionals, ['ACTION'], 'tokens');
      const tokens = (await readTokenFile(file)).map(({ name, bots, created_at }) => ({ name, bots, created_at }));
      if (out.json) out.data({ file, tokens });
      else if (tokens.length === 0) out.line(`no bee tokens in ${file}`);
      else for (const t of tokens) out.line(`${t.name}\t${t.bots.join(',')}\tcreated ${t.created_at}`);
      return EXIT.ok;
    }
    expectPositionals(positionals, ['ACTION', 'NAME'], 'tokens');
    const parsedName = BeeNameSchema.safeParse(name);
    if (!parsedName.success)
      throw usageError(`NAME: ${parsedName.error.issues[0]?.message.replace('bee', 'the name')}`, 'Example: gpu-box');
    if (action === 'revoke') {
      if (!(await revokeBeeToken(file, parsedName.data))) {
        throw new CliError(EXIT.notFound, `No bee token named ${parsedName.data} in ${file}.`, {
          hint: 'See `hive tokens list`.',
        });
      }
      if (out.json) out.data({ revoked: parsedName.data });
      else out.line(`revoked ${parsedName.data}: the server refuses it from now on (401)`);
      return EXIT.ok;
    }
    const bots = flags.bot ?? [];
    if (bots.length === 0)
      throw usageError('add needs at least one --bot.', 'Example: hive tokens add gpu-box --bot BEE-001');
    for (const bot of bots) {
      const parsed = BotIdSchema.safeParse(bot);
      if (!parsed.success) throw usageError(`--bot ${bot}: ${parsed.error.issues[0]?.message}`);
    }
    let token: string;
    try {
      token = await addBeeToken(file, parsedName.data, bots);
    } catch (err) {
      throw new CliError(EXIT.conflict, (err as Error).message);
    }
    if (out.json) out.data({ name: parsedName.data, bots, token, file });
    else {
      out.line(token);
      out.note(`bee token ${parsedName.data} for ${bots.join(', ')}, saved hashed in ${file}; it is not shown again.`);
    }
    return EXIT.ok;
  },
});
