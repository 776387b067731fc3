/** Next's start-up hook: the hive lives in the Node runtime only (see server/startup.ts). */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startHiveServer } = await import('./server/startup');
    await startHiveServer();
  }
}
