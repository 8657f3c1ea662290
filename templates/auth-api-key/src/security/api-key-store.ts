// The API keys file (API_KEYS_FILE). Guards against: a revoked key still working (the file is
// re-read whenever its inode, size, mtime or ctime changes — one stat per request — and a changed
// file is never answered from the old cache), a torn or half-written file (writes go to a 0600 temp
// file in the same folder, fsync, then rename), a file anyone else on the host could edit to add
// their own key (group/other-WRITABLE is refused: the server will not start, and a running server
// fails closed), a file or folder in another user's hands (a keys file owned by another user, or a
// folder that one owns or that group/others can write, stops the start: the keys script replaces the
// file by a rename in that folder, and so could anyone who can write it; see security/file-policy.ts),
// a silently ignored typo (the schema is strict: `revoked_at` is an error, not a key
// that stays valid). A group/other-READABLE file is only warned about: it holds hashes of 256-bit
// secrets, not keys (read-only secret mounts, e.g. Kubernetes, are often 0644).
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/v4';
import { ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import { folderProblem, foreignOwner } from './file-policy.js';
import { hostPlatform, type HostPlatform } from './platform.js';
import { HASH_PATTERN, KEY_ID, KEY_NAME, KEY_NAME_RULE, SCOPE_TOKEN, storedDigest } from './api-key-format.js';

const isoDate = z.iso.datetime({ offset: true });

export const keyEntrySchema = z
  .object({
    id: z.string().regex(KEY_ID, 'id must be 12 lowercase hex characters'),
    name: z.string().regex(KEY_NAME, `name must be ${KEY_NAME_RULE}`),
    hash: z.string().regex(HASH_PATTERN, 'hash must be "sha256:" and 64 lowercase hex characters'),
    scopes: z.array(z.string().regex(SCOPE_TOKEN, 'invalid scope')).max(64),
    createdAt: isoDate,
    expiresAt: isoDate.optional(),
    revokedAt: isoDate.optional(),
  })
  .strict();

export const keysFileSchema = z
  .object({ version: z.literal(1), keys: z.array(keyEntrySchema).max(10_000) })
  .strict()
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    for (const key of file.keys) {
      if (ids.has(key.id)) ctx.addIssue({ code: 'custom', message: `duplicate key id ${key.id}` });
      ids.add(key.id);
    }
  });

export type KeyEntry = z.output<typeof keyEntrySchema>;
export type KeysFile = z.output<typeof keysFileSchema>;

/** A ConfigError, so an entry point that reports configuration problems reports this one too. */
export class KeysFileError extends ConfigError {
  override name = 'KeysFileError';
}

const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Mode problems: `refuse` for group/other-writable, `warn` for group/other-readable. POSIX only: on
 * Windows mode bits say nothing about who can write the file (ACLs decide), so nothing is refused here
 * and the server states at start that these checks did not run (permissionsNotice).
 */
export function modeProblem(mode: number, platform: HostPlatform = hostPlatform): { level: 'refuse' | 'warn'; message: string } | undefined {
  if (!platform.posixPermissions) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  if ((mode & 0o022) !== 0) {
    return { level: 'refuse', message: `is writable by group or others (mode ${octal}); anyone who can write it can add a key. Run: chmod 600 <file>` };
  }
  if ((mode & 0o044) !== 0) {
    return { level: 'warn', message: `is readable by group or others (mode ${octal}); it holds only hashes, but run: chmod 600 <file>` };
  }
  return undefined;
}

/**
 * Ownership problems of the keys file (stat given when it exists) and its folder, as one message that
 * names API_KEYS_FILE and the fix; undefined when both are in this user's (or root's) hands.
 */
export function ownershipProblem(file: string, stat: { uid: number | bigint } | undefined, platform: HostPlatform = hostPlatform): string | undefined {
  const owner = stat === undefined ? undefined : foreignOwner(Number(stat.uid), file, platform);
  if (owner !== undefined) return `API_KEYS_FILE ${file} ${owner}`;
  const folder = folderProblem(path.dirname(file), platform);
  return folder === undefined ? undefined : `API_KEYS_FILE ${file}: ${folder}`;
}

/** Parses the file text; throws KeysFileError naming the first problems (never a hash). */
export function parseKeysFile(text: string, file: string): KeysFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeysFileError(`${file} is not valid JSON`);
  }
  const result = keysFileSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new KeysFileError(`${file} is not a valid keys file (${issues.join('; ')})`);
  }
  return result.data;
}

/** Reads the file; a missing file is an empty key list. */
export function readKeysFile(file: string): KeysFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
    throw new KeysFileError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseKeysFile(text, file);
}

/** Atomic write: temp file (0600, same folder) → fsync → rename over the target → fsync the folder. */
export function writeKeysFile(file: string, data: KeysFile): void {
  const checked = keysFileSchema.parse(data);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  // 'wx': never follow or reuse an existing path; mode 0600 from the first byte (umask can only remove bits).
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, `${JSON.stringify(checked, null, 2)}\n`);
    fs.fchmodSync(fd, 0o600);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  try {
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  }
}

/** An entry of the loaded file with its stored hash already decoded (once per load, not per request). */
export interface LoadedKey {
  entry: KeyEntry;
  /** The 32-byte digest of `entry.hash` (the schema guarantees its format). */
  digest: Buffer | undefined;
}

interface Snapshot {
  /** null = the file is unusable right now (unsafe mode or invalid): every key is refused. */
  byId: ReadonlyMap<string, LoadedKey> | null;
  signature: string;
  /** The stat the snapshot was loaded for (undefined: missing file, or not a loaded snapshot). */
  stat?: fs.BigIntStats | undefined;
}

function signatureOf(stat: fs.BigIntStats | undefined): string {
  if (!stat) return 'missing';
  return [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs, stat.mode].join(':');
}

/** The same fields as signatureOf, compared without building the string (the per-request check). */
function sameFile(a: fs.BigIntStats, b: fs.BigIntStats | undefined): boolean {
  return b !== undefined && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.mode === b.mode;
}

/**
 * Live view of the keys file for the authenticator. `lookup()` stats the file on every call and
 * re-reads it when anything changed, so `npm run keys -- revoke` takes effect on the next request.
 */
export class ApiKeyStore {
  readonly file: string;
  readonly #logger: Logger;
  #snapshot: Snapshot;
  #reloading: { signature: string; promise: Promise<Snapshot> } | undefined;

  /** Loads the file once, synchronously; throws KeysFileError when the server must not start. */
  constructor(file: string, logger: Logger) {
    this.file = file;
    this.#logger = logger;
    let stat: fs.BigIntStats | undefined;
    try {
      stat = fs.statSync(file, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new KeysFileError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const ownership = ownershipProblem(file, stat);
    if (ownership !== undefined) throw new KeysFileError(ownership);
    if (stat) {
      const problem = modeProblem(Number(stat.mode));
      if (problem?.level === 'refuse') throw new KeysFileError(`API_KEYS_FILE ${file} ${problem.message.replace('<file>', file)}`);
      if (problem) logger.warn({ file }, `API keys file ${problem.message.replace('<file>', file)}`);
    } else {
      logger.warn({ file }, 'API keys file does not exist yet: every request is refused until a key is created (npm run keys -- create --name N --scopes a,b)');
    }
    this.#snapshot = { byId: indexKeys(readKeysFile(file)), signature: signatureOf(stat), stat };
  }

  /** The entry for `id` as the file says NOW, or undefined (unknown id or unusable file). */
  async lookup(id: string): Promise<LoadedKey | undefined> {
    const snapshot = await this.#current();
    return snapshot.byId?.get(id);
  }

  async #current(): Promise<Snapshot> {
    let stat: fs.BigIntStats | undefined;
    try {
      // Synchronous on purpose: a local stat takes microseconds, and the promise version (a
      // thread-pool round trip per request) cost more than the rest of the authentication.
      stat = fs.statSync(this.file, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#logger.error({ file: this.file, code: (error as NodeJS.ErrnoException).code }, 'cannot stat the API keys file: refusing every key');
        return { byId: null, signature: 'error' };
      }
    }
    if (stat && sameFile(stat, this.#snapshot.stat)) return this.#snapshot;
    const signature = signatureOf(stat);
    if (signature === this.#snapshot.signature) return this.#snapshot;
    // Callers that saw the same change share one reload (and never the old cache). A caller that saw a
    // NEWER change (e.g. a revoke landing while an older reload is still reading) starts its own.
    if (this.#reloading?.signature !== signature) {
      const promise = this.#reload(stat, signature).finally(() => {
        if (this.#reloading?.promise === promise) this.#reloading = undefined;
      });
      this.#reloading = { signature, promise };
    }
    return this.#reloading.promise;
  }

  async #reload(stat: fs.BigIntStats | undefined, signature: string): Promise<Snapshot> {
    let snapshot: Snapshot;
    if (!stat) {
      this.#logger.warn({ file: this.file }, 'API keys file was removed: every key is refused');
      snapshot = { byId: new Map(), signature };
    } else {
      const problem = modeProblem(Number(stat.mode));
      const ownership = ownershipProblem(this.file, stat);
      if (problem?.level === 'refuse' || ownership !== undefined) {
        const message = ownership ?? `API keys file ${problem?.message.replace('<file>', this.file)}`;
        this.#logger.error({ file: this.file }, `${message}; refusing every key until fixed`);
        snapshot = { byId: null, signature };
      } else {
        try {
          const text = await fs.promises.readFile(this.file, 'utf8');
          if (text.length > MAX_FILE_BYTES) throw new KeysFileError(`${this.file} is larger than 16 MiB`);
          snapshot = { byId: indexKeys(parseKeysFile(text, this.file)), signature, stat };
          this.#logger.info({ file: this.file, keys: snapshot.byId?.size }, 'API keys file reloaded');
        } catch (error) {
          const message = error instanceof KeysFileError ? error.message : `cannot read ${this.file}`;
          this.#logger.error({ file: this.file }, `${message}; refusing every key until fixed`);
          // Fail closed until the file changes again (then it is re-read).
          snapshot = { byId: null, signature };
        }
      }
    }
    this.#snapshot = snapshot;
    return snapshot;
  }
}

function indexKeys(file: KeysFile): ReadonlyMap<string, LoadedKey> {
  return new Map(file.keys.map((entry) => [entry.id, { entry, digest: storedDigest(entry.hash) }]));
}
