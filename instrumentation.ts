/**
 * Opens the hive when the server starts, so responses that landed while it was down count
 * at once. On SIGTERM/SIGINT it shuts the hive down and exits: left alone, the server's
 * graceful shutdown would wait for every live stream and pending wait to end by itself.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { getHive } = await import('./server/hive-instance');
    const hive = await getHive();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void hive.shutdown().finally(() => {
          // Give the 503s of ended waits a moment to reach their clients.
          setTimeout(() => process.exit(0), 100).unref();
        });
      });
    }
  }
}
