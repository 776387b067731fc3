/** What every procedure gets: the process's hive and who is calling. */
import type { Hive } from '../core/hive';

export interface TRPCContext {
  hive: Hive;
  /** Recorded as the actor of the ledger events a call causes. */
  actor: string;
}
