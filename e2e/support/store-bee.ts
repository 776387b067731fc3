/**
 * A reference bee for the store a test runs on: on files, the file bee on the server's hive
 * (`npm run bee -- --root …`); on Postgres, where there are no hive files, the same bee over
 * HTTP (`npm run bee -- --url …`), sharing no disk with the server.
 */
import type { ServerProcess } from '../../scripts/lib/server-process';
import { startBee, type BeeOptions } from './bee';
import { startRemoteBee } from './remote-bee';
import type { Running } from './scripts';
import type { Store } from './store';

export function startStoreBee(server: ServerProcess, store: Store, options: BeeOptions = {}): Promise<Running> {
  return store === 'postgres' ? startRemoteBee(server, options) : startBee(server.root, options);
}
