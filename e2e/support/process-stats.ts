/** What a server process costs, read from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** Resident memory in KiB, or null once the process is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const kib = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) : null;
  } catch {
    return null;
  }
}
