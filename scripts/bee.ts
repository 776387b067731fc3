/** `npm run bee -- --bot BEE-001`: runs the reference bee until Ctrl-C (or, with --once, until the folder is answered). */
import { Bee } from './bee/bee';
import { BEE_USAGE, parseBeeArgs, UsageError } from './bee/options';

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
  const bee = new Bee({ ...options, log: (line) => console.log(line) });
  console.log(`[${options.botId}] handlers: ${options.describe}`);
  await bee.start();
  if (options.once) {
    await bee.drained();
    await bee.stop();
    console.log(`[${options.botId}] done: ${JSON.stringify(bee.counts)}`);
    return bee.counts.failed ? 1 : 0;
  }
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  console.log(`[${options.botId}] stopping after the task in hand…`);
  await bee.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bee failed:', err);
    process.exit(1);
  },
);
