/**
 * `npm run bee -- --bot BEE-001`: runs the reference bee until Ctrl-C (or, with --once, until the folder is answered).
 * The first SIGINT/SIGTERM finishes the task in hand; a second one ends its command and gives the task back.
 */
import { Bee } from './bee/bee';
import { BEE_USAGE, parseBeeArgs, UsageError } from './bee/options';

/** Resolves on the first signal; every later one stops the bee at once. */
function onStopSignals(bee: Bee, log: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received++ === 0) {
        const task = bee.taskInHand;
        log(
          task
            ? `${signal}: stopping after the task in hand (${task}); ${signal} again ends its command and gives it back`
            : `${signal}: stopping`,
        );
        return resolve();
      }
      log(`${signal} again: stopping now`);
      void bee.stopNow();
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
  });
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
  const bee = new Bee({ ...options, log });
  const signalled = onStopSignals(bee, (line) => log(`[${options.botId}] ${line}`));
  console.log(`[${options.botId}] handlers: ${options.describe}`);
  await bee.start();
  await (options.once ? Promise.race([bee.drained(), signalled]) : signalled);
  await bee.stop();
  if (options.once) console.log(`[${options.botId}] done: ${JSON.stringify(bee.counts)}`);
  else console.log(`[${options.botId}] stopped: ${JSON.stringify(bee.counts)}`);
  return bee.counts.failed && options.once ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bee failed:', err);
    process.exit(1);
  },
);
