/** Help text: the overview of all commands and the page of one command. */
import { GLOBAL_FLAGS, type FlagSpecs } from './args';
import { EXIT_CODE_HELP } from './exit-codes';

interface HelpSubject {
  name: string;
  usage: string;
  description: string;
  flags: FlagSpecs;
  examples: string[];
}

function flagLines(flags: FlagSpecs): string[] {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    const value = spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : '';
    return [`${short}--${name}${value}`, spec.help + (spec.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

export function commandHelp(command: HelpSubject): string {
  const sections = [
    `Usage: hive ${command.usage}`,
    command.description,
    Object.keys(command.flags).length ? ['Flags:', ...flagLines(command.flags)].join('\n') : '',
    ['Global flags:', ...flagLines(GLOBAL_FLAGS)].join('\n'),
    command.examples.length ? ['Examples:', ...command.examples.map((e) => `  ${e}`)].join('\n') : '',
    EXIT_CODE_HELP,
  ];
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}

export function overviewHelp(commands: ReadonlyArray<{ name: string; summary: string }>): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: hive <command> [flags]

Hive Control from the command line: dispatch tasks to the hive, follow them, act on them (cancel, retry,
reassign, reclaim, in bulk too), export them, watch the bots' inboxes and bees, read the routing table.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  ${'help'.padEnd(width)}  show help for a command (hive help run)

${['Global flags:', ...flagLines(GLOBAL_FLAGS)].join('\n')}

Most commands talk to a running server (\`npm start\`); point at another one with --url or HIVE_URL.
\`tokens\`, \`migrate\` and \`import\` work on files and the database directly.

${EXIT_CODE_HELP}
`;
}
