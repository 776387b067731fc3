/** `hive routes`: the routing table in force, where it came from, and why a newer file was refused; `--explain` says where an intent goes. */
import { expectPositionals } from '../args';
import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { formatExplain, formatRoutes } from '../format';

export const routesCommand = defineCommand({
  name: 'routes',
  summary: 'show the routing table in force and its source (--explain --intent X: where X goes, and why)',
  usage: 'routes [--explain --intent INTENT]',
  description:
    'Which intents go to which lane, provider and delivery mode. Edit .deia/routing.json to change it;\n' +
    'if that file is invalid, the error is shown here and the previous table stays in force.\n' +
    'With --explain --intent X: the route a task with that intent would take, the rule that fires, and\n' +
    'for every rule whether it matched. Nothing is dispatched.',
  flags: {
    explain: { type: 'boolean', help: 'explain the route of --intent instead of showing the table' },
    intent: { type: 'string', placeholder: 'INTENT', help: 'the intent to explain (with --explain)' },
  },
  fieldFlags: { intent: '--intent' },
  examples: ['hive routes', 'hive routes --json | jq .table.rules', 'hive routes --explain --intent review'],
  async run({ flags, positionals, client, out }) {
    expectPositionals(positionals, [], 'routes');
    if (flags.explain) {
      if (flags.intent === undefined) {
        throw usageError(
          '--explain needs --intent INTENT, the intent to explain.',
          'Example: hive routes --explain --intent code',
        );
      }
      const explained = await client.routing.explain.query({ intent: flags.intent });
      if (out.json) out.data(explained);
      else out.line(formatExplain(flags.intent, explained));
      return EXIT.ok;
    }
    if (flags.intent !== undefined) {
      throw usageError('--intent only applies with --explain.', 'Add --explain, or drop --intent.');
    }
    const info = await client.routing.table.query();
    if (out.json) out.data(info);
    else out.line(formatRoutes(info));
    if (info.error)
      out.note(`warning: .deia/routing.json was refused, so the table above stays in force:\n  ${info.error}`);
    return EXIT.ok;
  },
});
