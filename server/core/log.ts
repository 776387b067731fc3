/** Server log lines; problems with files others wrote are reported once, not on every pass. */
const reported = new Set<string>();

export const log = {
  info: (message: string) => console.log(`[hive] ${message}`),
  warn: (message: string) => console.warn(`[hive] ${message}`),
  error: (message: string, err?: unknown) => console.error(`[hive] ${message}`, err ?? ''),
  /** Warns the first time `key` is seen. */
  warnOnce(key: string, message: string) {
    if (reported.has(key)) return;
    if (reported.size > 10_000) reported.clear();
    reported.add(key);
    console.warn(`[hive] ${message}`);
  },
};
