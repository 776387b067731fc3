#!/usr/bin/env -S npx tsx
/** `hive`: the typed command-line client of a Hive Control server (see `hive --help`). */
import { main } from './cli/main';

// `hive watch | head` closes the pipe early; that is the reader being done, not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));

main(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: keep-alive sockets and the event stream would otherwise hold the process open.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
