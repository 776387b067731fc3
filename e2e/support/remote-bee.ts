/**
 * A reference bee over HTTP (`npm run bee -- --url …`) that provably shares no disk with the
 * server: it runs in its own mount namespace where the server's HIVE_ROOT is an empty
 * tmpfs, from a working directory of its own that the server never sees, with its own
 * empty HIVE_ROOT, and reaches the server only through its loopback URL.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServerProcess } from '../../scripts/lib/server-process';
import { startScript, type Running } from './scripts';

export interface RemoteBeeOptions {
  bot?: string;
  name?: string;
  exec?: string;
  token?: string;
}

export interface RemoteBee extends Running {
  /** Its own working directory (and HIVE_ROOT). */
  cwd: string;
}

export async function startRemoteBee(server: ServerProcess, options: RemoteBeeOptions = {}): Promise<RemoteBee> {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'remote-bee-'));
  const args = ['--url', server.url, '--bot', options.bot ?? 'BEE-001'];
  if (options.name) args.push('--name', options.name);
  if (options.exec) args.push('--exec', options.exec);
  // `sh -c '…' sh ARGV…`: hide the server's hive behind an empty tmpfs, then become the bee.
  const hide = `mount -t tmpfs tmpfs "$SERVER_ROOT" && exec "$@"`;
  const bee = startScript(
    'bee.ts',
    args,
    {
      HIVE_ROOT: cwd,
      SERVER_ROOT: server.root,
      ...(options.token ? { HIVE_BEE_TOKEN: options.token } : {}),
    },
    { cwd, wrapper: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', hide, 'sh'] },
  );
  await bee.waitFor(/working for .* over HTTP/, 20_000);
  return Object.assign(bee, { cwd });
}

/** A command for `--exec` that answers whether the bee's process can see the server's hive at all. */
export const REPORT_ISOLATION = `sh -c 'cat > /dev/null; if test -e "$SERVER_ROOT/.deia"; then echo "sees the server hive"; else echo "isolated from the server hive"; fi'`;
