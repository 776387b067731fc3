/** What a server process costs, read from /proc (Linux): resident memory, read calls, and RSS over time. */
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

/** The process's read-type system calls (read, pread, readv…) and bytes they returned, from /proc/PID/io. */
export function readCalls(pid: number): { syscr: number; rchar: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  return { syscr: field('syscr'), rchar: field('rchar') };
}

export interface RssSummary {
  samples: number;
  first_mib: number;
  min_mib: number;
  max_mib: number;
  last_mib: number;
}

const mib = (kib: number) => Math.round(kib / 102.4) / 10;

/** Samples a process's RSS every `intervalMs` until stopped. */
export class RssSampler {
  private readonly values: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): RssSummary {
    clearInterval(this.timer);
    this.sample();
    const v = this.values;
    return {
      samples: v.length,
      first_mib: mib(v[0] ?? NaN),
      min_mib: mib(Math.min(...v)),
      max_mib: mib(Math.max(...v)),
      last_mib: mib(v.at(-1) ?? NaN),
    };
  }

  private sample(): void {
    const kib = rssKiB(this.pid);
    if (kib !== null) this.values.push(kib);
  }
}

/** CPU time (user + system) the process has used, in ms, from /proc/PID/stat (clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
