// API key format: `smcp_<id>_<secret>`. Guards against guessable keys (256-bit random secret),
// against keys that could be recovered from the keys file (only a SHA-256 of the whole key is
// stored) and against timing leaks when comparing (constant-time compare of fixed-length digests).
// No slow hash (bcrypt/scrypt/argon2) on purpose: the secret is 256 bits of randomness, so a fast
// hash is already infeasible to invert, and a slow one would only hand attackers a CPU lever
// (every bad request would cost the server a key derivation).
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'smcp';
/** id: 6 random bytes as lowercase hex (never contains `_`, so the key splits unambiguously). */
export const KEY_ID = /^[0-9a-f]{12}$/;
/** secret: 32 random bytes as base64url without padding = 43 characters. */
const KEY_PATTERN = /^smcp_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** Longest Authorization value worth parsing; anything longer is refused before any work. */
export const MAX_KEY_LENGTH = 64;
/** Key names: they become principal ids `apikey:<name>` (audit log, rate-limit keys, note owners). */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const KEY_NAME_RULE = '1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit';
/** RFC 6749 scope-token characters, as in config.ts (LOCAL_SCOPES). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
export const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

export interface ParsedApiKey {
  id: string;
}

export function generateApiKey(): { key: string; id: string; hash: string } {
  const id = randomBytes(6).toString('hex');
  const key = `${KEY_PREFIX}_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, id, hash: hashApiKey(key) };
}

/** The id of a well-formed key, or undefined. Never throws, never echoes the key. */
export function parseApiKey(candidate: string): ParsedApiKey | undefined {
  if (candidate.length > MAX_KEY_LENGTH) return undefined;
  const match = KEY_PATTERN.exec(candidate);
  return match?.[1] === undefined ? undefined : { id: match[1] };
}

/** `sha256:<hex>` of the WHOLE key string (UTF-8), so the stored hash binds the id to the secret. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** The 32-byte digest in a stored `sha256:<hex>`, or undefined when malformed (decoded once per keys-file load). */
export function storedDigest(storedHash: string): Buffer | undefined {
  return HASH_PATTERN.test(storedHash) ? Buffer.from(storedHash.slice(7), 'hex') : undefined;
}

const NO_DIGEST = Buffer.alloc(32);

/** Constant-time comparison of the presented key's digest with a stored digest; undefined never matches. */
export function keyMatchesDigest(key: string, expected: Buffer | undefined): boolean {
  const actual = hash('sha256', key, 'buffer');
  // Both buffers are 32 bytes, so timingSafeEqual never throws; the compare runs even without a digest.
  return timingSafeEqual(actual, expected ?? NO_DIGEST) && expected !== undefined;
}
