/**
 * `npm run bee -- --bot BEE-001`: runs the reference bee until Ctrl-C (or, with --once, until the folder is answered).
 * With --url it works for a server over HTTP instead of through a hive folder (DESIGN §8).
 * The first SIGINT/SIGTERM finishes the task in hand; a second one ends its command and gives the task back.
 */
import { Bee } from './bee/bee';
import { HiveClient } from './bee/hive-client';
import { BEE_USAGE, parseBeeArgs, UsageError, type BeeCliOptions } from './bee/options';
import { RemoteBee } from './bee/remote-bee';
import { onStopSignals } from './bee/stop-signals';

function createBee(options: BeeCliOptions, log: (line: string) => void): Bee | RemoteBee {
  if (!options.url) return new Bee({ ...options, log });
  const client = new HiveClient({ url: options.url, token: options.token, log: (l) => log(`[${options.botId}] ${l}`) });
  return new RemoteBee({ ...options, client, log });
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseBeeArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bee: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (options.help) {
    console.log(BEE_USAGE);
    return 0;
  }
  const log = (line: string) => console.log(line);
  const bee = createBee(options, log);
  const signalled = onStopSignals(bee, (line) => log(`[${options.botId}] ${line}`));
  console.log(`[${options.botId}] handlers: ${options.describe}`);
  await bee.start();
  // A bee over HTTP also ends by itself, when the server refuses it for good.
  const ends = options.once || bee instanceof RemoteBee;
  await (ends ? Promise.race([bee.drained(), signalled]) : signalled);
  await bee.stop();
  if (options.once) console.log(`[${options.botId}] done: ${JSON.stringify(bee.counts)}`);
  else console.log(`[${options.botId}] stopped: ${JSON.stringify(bee.counts)}`);
  if (bee instanceof RemoteBee && bee.failure) {
    console.error(`bee: ${bee.failure.message}`);
    return 1;
  }
  return bee.counts.failed && options.once ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bee failed:', err);
    process.exit(1);
  },
);
