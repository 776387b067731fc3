/** What every procedure gets: the hive's service (its operations, nothing of its insides) and who is calling. */
import type { HiveService } from '../core/service';

export interface TRPCContext {
  service: HiveService;
  /** Recorded as the actor of the ledger events a call causes. */
  actor: string;
}
