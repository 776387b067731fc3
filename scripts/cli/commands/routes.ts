/** `hive routes`: the routing table in force, where it came from, and why a newer file was refused. */
import { expectPositionals } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatRoutes } from '../format';

export const routesCommand = defineCommand({
  name: 'routes',
  summary: 'show the routing table in force and its source',
  usage: 'routes',
  description:
    'Which intents go to which lane, provider and delivery mode. Edit .deia/routing.json to change it;\n' +
    'if that file is invalid, the error is shown here and the previous table stays in force.',
  flags: {},
  examples: ['hive routes', 'hive routes --json | jq .table.rules'],
  async run({ positionals, client, out }) {
    expectPositionals(positionals, [], 'routes');
    const info = await client.routing.table.query();
    if (out.json) out.data(info);
    else out.line(formatRoutes(info));
    if (info.error)
      out.note(`warning: .deia/routing.json was refused, so the table above stays in force:\n  ${info.error}`);
    return EXIT.ok;
  },
});
