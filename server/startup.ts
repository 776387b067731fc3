/**
 * Server start-up (Node runtime only): refuses to listen beyond this machine without an
 * API token, opens the hive (so responses that landed while it was down count at once),
 * and on SIGTERM/SIGINT shuts the hive down and exits: left alone, the server's graceful
 * shutdown would wait for every live stream and pending wait to end by itself. The server is
 * started with NEXT_MANUAL_SIG_HANDLE (npm run serve, npm run up), or Next's own handler
 * would exit (143) before the dispatches in flight were finished and the hive closed.
 */
import { bindRefusal, boundHost } from './http/access';
import { getHive } from './hive-instance';

export async function startHiveServer(): Promise<void> {
  const refusal = bindRefusal(boundHost(process.argv, process.env.HOST), process.env.HIVE_API_TOKEN || undefined);
  if (refusal) {
    console.error(`[hive] ${refusal}`);
    process.exit(78);
  }
  let hive;
  try {
    hive = await getHive();
  } catch (err) {
    // A server without its hive (another server holds it, the disk refuses) must not listen.
    console.error(`[hive] cannot open the hive: ${(err as Error).message}`);
    process.exit(73);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void hive.shutdown().finally(() => {
        // Give the 503s of ended waits a moment to reach their clients.
        setTimeout(() => process.exit(0), 100).unref();
      });
    });
  }
}
