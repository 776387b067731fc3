/**
 * `npm run bridge -- --url http://host:8010 --bot BEE-001 --root DIR`: mirrors a server's tasks
 * for one bot into a local hive for file bees, until Ctrl-C (scripts/bridge/bridge.ts).
 * The first SIGINT/SIGTERM lets the local bees finish what they started; a second one stops them.
 */
import { HiveClient } from './bee/hive-client';
import { UsageError } from './bee/options';
import { onStopSignals } from './bee/stop-signals';
import { Bridge } from './bridge/bridge';
import { BRIDGE_USAGE, parseBridgeArgs } from './bridge/options';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBridgeArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bridge: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (options.help) {
    console.log(BRIDGE_USAGE);
    return 0;
  }
  const log = (line: string) => console.log(line);
  const prefix = `[bridge ${options.botId}]`;
  const client = new HiveClient({ url: options.url, token: options.token, log: (line) => log(`${prefix} ${line}`) });
  const bridge = new Bridge({ ...options, client, log });
  const signalled = onStopSignals(bridge, (line) => log(`${prefix} ${line}`));
  await bridge.start();
  await Promise.race([bridge.drained(), signalled]);
  await bridge.stop();
  log(`${prefix} stopped: ${JSON.stringify(bridge.counts)}`);
  if (bridge.failure) {
    console.error(`bridge: ${bridge.failure.message}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bridge failed:', err);
    process.exit(1);
  },
);
