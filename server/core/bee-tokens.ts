/**
 * Bee tokens (DESIGN §8): each lets a bee on another machine use the bee endpoints for the
 * bots it was given, and nothing else. They live in one JSON file beside the hive
 * (`.deia/bee-tokens.json` unless HIVE_BEE_TOKENS_FILE says otherwise), hashed: the file
 * can be read, backed up or committed without handing anyone a working token. The server
 * reads it again whenever it changes, so a token added or revoked counts at once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BeeNameSchema, BotIdSchema } from '../contracts/ids';
import { describeIssues } from '../contracts/issues';

export const BeeTokenEntrySchema = z.object({
  name: BeeNameSchema,
  bots: z.array(BotIdSchema).min(1, 'bots must name at least one bot'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 hex digits'),
  created_at: z.string(),
});
export type BeeTokenEntry = z.infer<typeof BeeTokenEntrySchema>;

const BeeTokenFileSchema = z.object({ tokens: z.array(BeeTokenEntrySchema) });

export function beeTokensFile(root: string, configured?: string): string {
  return configured ? path.resolve(root, configured) : path.join(path.resolve(root), '.deia', 'bee-tokens.json');
}

const sha256 = (token: string) => createHash('sha256').update(token).digest();

/** The server's view of the file: which token is whose, by hash, in constant time. */
export class BeeTokens {
  private entries: { entry: BeeTokenEntry; hash: Buffer }[] = [];
  private seen: string | null = null;
  private error: string | null = null;

  constructor(readonly file: string) {}

  /** Whether any bee token is configured (an unreadable file counts: it was meant to be). */
  get configured(): boolean {
    this.refresh();
    return this.entries.length > 0 || this.error !== null;
  }

  /** The entry whose token this is, or null. */
  match(token: string): BeeTokenEntry | null {
    this.refresh();
    const hash = sha256(token);
    let found: BeeTokenEntry | null = null;
    // Every entry is compared, so the time taken says nothing about which one matched.
    for (const { entry, hash: known } of this.entries) if (timingSafeEqual(hash, known)) found = entry;
    return found;
  }

  private refresh(): void {
    let stamp: string;
    try {
      const stat = statSync(this.file);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      stamp = 'absent';
    }
    if (stamp === this.seen) return;
    this.seen = stamp;
    if (stamp === 'absent') {
      this.entries = [];
      this.error = null;
      return;
    }
    try {
      const parsed = parseTokenFile(readFileSync(this.file, 'utf8'), this.file);
      this.entries = parsed.map((entry) => ({ entry, hash: Buffer.from(entry.sha256, 'hex') }));
      this.error = null;
    } catch (err) {
      // A broken file admits no bee (never everyone): the error is logged by whoever asks.
      this.entries = [];
      this.error = (err as Error).message;
    }
  }

  get problem(): string | null {
    this.refresh();
    return this.error;
  }
}

function parseTokenFile(text: string, file: string): BeeTokenEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = BeeTokenFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: ${describeIssues(parsed.error)}`);
  return parsed.data.tokens;
}

export async function readTokenFile(file: string): Promise<BeeTokenEntry[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  return text === null ? [] : parseTokenFile(text, file);
}

async function writeTokenFile(file: string, tokens: BeeTokenEntry[]): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ tokens }, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/**
 * Read-modify-write under a lock file, so two operators adding tokens at once both keep theirs.
 * A lock older than 10 s was left by a crash and is taken over.
 */
async function editTokenFile<T>(file: string, edit: (tokens: BeeTokenEntry[]) => Promise<T> | T): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  for (let tries = 0; ; tries++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10_000) await unlink(lock).catch(() => undefined);
      else if (tries > 200) throw new Error(`${lock} is held by another edit; try again`);
      else await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    return await edit(await readTokenFile(file));
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** Adds a token for `bots` under `name` and returns it: the only time it is ever shown. */
export function addBeeToken(file: string, name: string, bots: string[], now = new Date()): Promise<string> {
  return editTokenFile(file, async (tokens) => {
    if (tokens.some((t) => t.name === name)) {
      throw new Error(`a bee token named ${name} exists already; revoke it first, or choose another name`);
    }
    const token = `hbt_${randomBytes(24).toString('base64url')}`;
    const entry = BeeTokenEntrySchema.parse({
      name,
      bots,
      sha256: sha256(token).toString('hex'),
      created_at: now.toISOString(),
    });
    await writeTokenFile(file, [...tokens, entry]);
    return token;
  });
}

/** Removes the token named `name`; false when there was none. */
export function revokeBeeToken(file: string, name: string): Promise<boolean> {
  return editTokenFile(file, async (tokens) => {
    const kept = tokens.filter((t) => t.name !== name);
    if (kept.length === tokens.length) return false;
    await writeTokenFile(file, kept);
    return true;
  });
}
