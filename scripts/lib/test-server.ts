/**
 * A real server for the tests of bees that talk to it over HTTP. It is the production build
 * (`next start`), so `npm run build` must have run; without one the tests say so instead of
 * timing out on a server that never comes up.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { operatorApi, type OperatorApi } from './operator-api';
import { startServer, type ServerProcess, type StartOptions } from './server-process';

const BUILD_ID = path.resolve(__dirname, '..', '..', '.next', 'BUILD_ID');

/** Long enough for the server's 16-character minimum, and plainly a test's. */
export const OPERATOR_TOKEN = 'operator-token-for-tests-0123456789';

export interface TestServer extends ServerProcess {
  api: OperatorApi;
  /** Stops the server and removes its hive. */
  close(): Promise<void>;
}

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  if (!existsSync(BUILD_ID))
    throw new Error(`these tests run the production server: run "npm run build" first (${BUILD_ID} is missing)`);
  const server = await startServer({ ...options, env: { HIVE_API_TOKEN: OPERATOR_TOKEN, ...options.env } });
  return Object.assign(server, {
    api: operatorApi(server.url, OPERATOR_TOKEN),
    async close() {
      await server.stop();
      await rm(server.root, { recursive: true, force: true });
    },
  });
}
