/** Configuration from the environment, parsed once. */
import 'server-only';
import { z } from 'zod';

const EnvSchema = z.object({
  HIVE_ROOT: z.string().min(1).default(process.cwd()),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(1).max(65535).default(8010),
  /** Extra host names the server answers to (comma-separated), beyond loopback and HOST. */
  HIVE_ALLOWED_HOSTS: z.string().default(''),
  HIVE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  HIVE_MAX_WAITERS: z.coerce.number().int().positive().default(1000),
  HIVE_POLL_MS: z.coerce.number().int().min(100).default(5000),
  /** In progress longer than this is reported as `long_running` (DESIGN §6). */
  HIVE_LONG_RUNNING_S: z.coerce.number().int().positive().default(3600),
  /** A response written in place counts once unchanged this long (server/core/file-settling.ts). */
  HIVE_RESPONSE_QUIET_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  /** Bee tokens, hashed (server/core/bee-tokens.ts); default `.deia/bee-tokens.json` under HIVE_ROOT. */
  HIVE_BEE_TOKENS_FILE: z.string().optional(),
  /** How long a lease of a task claimed over HTTP lasts unless renewed (DESIGN §8). */
  HIVE_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  /** postgres://…: the hive lives in PostgreSQL and any number of servers share it (DESIGN §9). */
  HIVE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'HIVE_DATABASE_URL must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Postgres mode: where each server keeps its mirror of the ledger between runs (default: the temp dir). */
  HIVE_MIRROR_DIR: z.string().min(1).optional(),
  /** When set, every API call needs it (Bearer), and the dashboard asks for it once. */
  HIVE_API_TOKEN: z
    .string()
    .min(16, 'HIVE_API_TOKEN must be at least 16 characters; use a long random secret')
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

export type Env = z.infer<typeof EnvSchema>;

function parseEnv(): Env {
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export const env = parseEnv();
