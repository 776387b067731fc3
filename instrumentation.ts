/** Opens the hive when the server starts, so responses that landed while it was down count at once. */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { getHive } = await import('./server/hive-instance');
    await getHive();
  }
}
