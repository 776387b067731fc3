/** A reference bee (`npm run bee`) as a child process on a test's hive, started and waited for like an operator would. */
import { startScript, type Running } from './scripts';

export interface BeeOptions {
  bot?: string;
  name?: string;
  /** A command to run per task (`--exec`); without it the bee answers with its built-in Markdown. */
  exec?: string;
}

/** Starts a bee and resolves once it watches its inbox. */
export async function startBee(root: string, options: BeeOptions = {}): Promise<Running> {
  const bot = options.bot ?? 'BEE-001';
  const args = ['--root', root, '--bot', bot, ...(options.name ? ['--name', options.name] : [])];
  if (options.exec) args.push('--exec', options.exec);
  const bee = startScript('bee.ts', args);
  await bee.waitFor(/watching /, 20_000);
  return bee;
}
