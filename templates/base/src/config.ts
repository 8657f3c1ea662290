// Config: the ONLY reader of process.env. Guards against starting with a missing, weak or malformed
// setting (fail fast, one message naming each bad variable, never a secret's value), against secrets
// leaking through logs (the key is wrapped in Secret), and against relative paths that silently depend
// on the working directory (they resolve from the project root, derived from this file's location).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect, parseEnv } from 'node:util';
import * as z from 'zod/v4';
import { featureExposedFolders, featureSensitivePaths, parseFeatureConfig, type FeatureConfig } from './config/features.js';
import { exposureProblems, type NamedPath } from './security/file-policy.js';

/**
 * The nearest folder above this module that holds package.json: src/config.ts in tests and `tsx`,
 * dist/config.js when compiled, and the bundled entries (dist/bundle/transports/stdio.js …) alike.
 */
export function findProjectRoot(moduleDir: string): string {
  for (let dir = moduleDir; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(moduleDir, '..'); // no package.json at all: the old layout's answer
  }
}
export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A secret value that prints as [REDACTED] in JSON, template strings and util.inspect. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[REDACTED]';
  }
  toString(): string {
    return '[REDACTED]';
  }
  [inspect.custom](): string {
    return 'Secret([REDACTED])';
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The core settings every project has; src/config/features.ts adds the features' sections. */
export interface CoreConfig {
  projectRoot: string;
  localPrincipal: string;
  /** undefined = the default: every scope the tools declare except `*:admin`. */
  localScopes: readonly string[] | undefined;
  rateLimitPoints: number;
  rateLimitWindowSeconds: number;
  maxToolOutputBytes: number;
  toolTimeoutMs: number;
  /** AUDIT_LOG_DIR: one segment file per writing process. */
  auditLogDir: string;
  /** AUDIT_SEGMENT_MAX_BYTES: a segment rolls over into a new one past this size. */
  auditSegmentMaxBytes: number;
  auditHmacKey: Secret;
  logLevel: (typeof LOG_LEVELS)[number];
}

export type Config = CoreConfig & FeatureConfig;

export interface LoadConfigOptions {
  /** The .env file to read (real env wins over it); null = none. Default `<projectRoot>/.env`. */
  envFile?: string | null;
  projectRoot?: string;
}

const MiB = 1024 * 1024;
const KEY_HINT = `generate one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`;
// Only words of 6+ letters, so a random key is practically never refused by accident.
const PLACEHOLDER = /change[-_ ]?(me|it|this)|placeholder|example|your[-_ ]?(own[-_ ]?)?(key|secret)|replace|insert|secret|password/i;
// RFC 6749 scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const filePath = z
  .string()
  .max(4096, 'is too long')
  .refine((v) => !v.includes('\0'), 'must not contain NUL');

/**
 * A conservative estimate of a key's entropy in bits: each character costs log2 of the pool of its
 * classes (lower, upper, digit, other) unless it is predictable from what came before — a repeat, the
 * next or previous character (abc, 321), the same step as the last one (aceg), or the continuation of a
 * repeating block (xyzxyz) — which costs 1 bit. 32 random bytes in base64url estimate at ~240 bits.
 */
export function estimateKeyBits(key: string): number {
  const codes = Array.from(key, (c) => c.codePointAt(0) ?? 0);
  let pool = 0;
  if (/[a-z]/.test(key)) pool += 26;
  if (/[A-Z]/.test(key)) pool += 26;
  if (/[0-9]/.test(key)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(key)) pool += 33;
  const perChar = Math.log2(Math.max(pool, 2));
  let bits = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    const prev = codes[i - 1];
    const step = prev === undefined ? undefined : c - prev;
    let predictable = step !== undefined && Math.abs(step) <= 1;
    if (!predictable && prev !== undefined && i >= 2) predictable = c - prev === prev - (codes[i - 2] as number);
    for (let period = 2; !predictable && period <= 16 && i - period - 1 >= 0; period++) {
      predictable = c === codes[i - period] && prev === codes[i - period - 1];
    }
    bits += predictable ? 1 : perChar;
  }
  return bits;
}

const auditKey = z
  .string()
  .min(43, `must be at least 43 characters (32 random bytes, base64url); ${KEY_HINT}`)
  .max(1024, 'is too long')
  .refine((v) => !PLACEHOLDER.test(v), `looks like a placeholder; ${KEY_HINT}`)
  .refine((v) => new Set(v).size >= 12, `has too little variety to be random; ${KEY_HINT}`)
  .refine((v) => estimateKeyBits(v) >= 128, `has too little entropy (repeated, sequential or patterned characters: under 128 bits by estimate); ${KEY_HINT}`);

const scopeList = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter((s) => s !== ''))
  .pipe(z.array(z.string().regex(SCOPE_TOKEN, 'contains an invalid scope name')).max(64, 'lists too many scopes'));

/** Each variable: its schema and its default (applied when unset or empty). */
const VARIABLES = {
  LOCAL_PRINCIPAL: { schema: z.string().regex(/^[A-Za-z0-9._:@-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ : @ -'), default: 'local' },
  RATE_LIMIT_POINTS: { schema: int(1, 1_000_000), default: '60' },
  RATE_LIMIT_WINDOW_SECONDS: { schema: int(1, 86_400), default: '60' },
  MAX_TOOL_OUTPUT_BYTES: { schema: int(1024, 16 * MiB), default: String(256 * 1024) },
  TOOL_TIMEOUT_MS: { schema: int(10, 600_000), default: '30000' },
  AUDIT_LOG_DIR: { schema: filePath, default: './logs/audit' },
  AUDIT_SEGMENT_MAX_BYTES: { schema: int(64 * 1024, 1024 * MiB), default: String(64 * MiB) },
  LOG_LEVEL: { schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }), default: 'info' },
} as const;

type Parsed = { [K in keyof typeof VARIABLES]: z.output<(typeof VARIABLES)[K]['schema']> };

function readEnvFile(file: string | null): Record<string, string | undefined> {
  if (file === null) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`Invalid configuration: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseEnv(text);
}

/** Validates the environment (real env wins over the .env file, which is never written into process.env). */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: LoadConfigOptions = {}): Config {
  const root = options.projectRoot ?? PROJECT_ROOT;
  const merged = { ...readEnvFile(options.envFile === undefined ? path.join(root, '.env') : options.envFile), ...env };
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = merged[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };

  const parsed: Partial<Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(VARIABLES)) {
    const result = spec.schema.safeParse(value(name) ?? spec.default);
    if (result.success) parsed[name] = result.data;
    else problems.push(`${name} ${result.error.issues.map((i) => i.message).join('; ')}`);
  }

  // LOCAL_SCOPES: unset = default set; set but empty = no scopes at all.
  let localScopes: readonly string[] | undefined;
  const rawScopes = merged['LOCAL_SCOPES'];
  if (rawScopes !== undefined) {
    const result = scopeList.safeParse(rawScopes);
    if (result.success) localScopes = Object.freeze([...new Set(result.data)]);
    else problems.push(`LOCAL_SCOPES ${result.error.issues.map((i) => i.message).join('; ')}`);
  }

  // The secret: its value never appears in a message.
  let auditHmacKey: Secret | undefined;
  const rawKey = value('AUDIT_HMAC_KEY');
  if (rawKey === undefined) problems.push(`AUDIT_HMAC_KEY is required; ${KEY_HINT}`);
  else {
    const result = auditKey.safeParse(rawKey);
    if (result.success) auditHmacKey = new Secret(result.data);
    else problems.push(`AUDIT_HMAC_KEY ${result.error.issues[0]?.message ?? 'is invalid'}`);
  }

  // AUDIT_LOG_FILE (one file, one writer) was replaced by AUDIT_LOG_DIR (one segment per process):
  // refused rather than reinterpreted, so segments never land silently beside other files.
  if (value('AUDIT_LOG_FILE') !== undefined) {
    problems.push('AUDIT_LOG_FILE is no longer supported: the audit log is a directory of segments, one per process. Set AUDIT_LOG_DIR (default ./logs/audit) instead and remove AUDIT_LOG_FILE; an old log file can stay where it is');
  }

  const features = parseFeatureConfig(merged, { root, problems });
  if (features !== undefined) {
    // No folder a tool hands to clients (a sandbox) may hold the project root, .env, .secrets/, the audit
    // log or any path a section declares sensitive (keys file, TLS key, database): the sections declare
    // both lists in src/config/features.ts, so this check knows no feature by name.
    const core: NamedPath[] = [['.env', typeof options.envFile === 'string' ? path.resolve(options.envFile) : path.join(root, '.env')], ['.secrets/', path.join(root, '.secrets')]];
    if (typeof parsed['AUDIT_LOG_DIR'] === 'string') core.push(['AUDIT_LOG_DIR', path.resolve(root, parsed['AUDIT_LOG_DIR'])]);
    problems.push(...exposureProblems(featureExposedFolders(features), [...core, ...featureSensitivePaths(features)], root));
  }
  if (problems.length > 0 || auditHmacKey === undefined || features === undefined) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const p = parsed as Parsed;
  return Object.freeze({
    projectRoot: root,
    localPrincipal: p.LOCAL_PRINCIPAL,
    localScopes,
    rateLimitPoints: p.RATE_LIMIT_POINTS,
    rateLimitWindowSeconds: p.RATE_LIMIT_WINDOW_SECONDS,
    maxToolOutputBytes: p.MAX_TOOL_OUTPUT_BYTES,
    toolTimeoutMs: p.TOOL_TIMEOUT_MS,
    auditLogDir: path.resolve(root, p.AUDIT_LOG_DIR),
    auditSegmentMaxBytes: p.AUDIT_SEGMENT_MAX_BYTES,
    auditHmacKey,
    logLevel: p.LOG_LEVEL,
    ...features,
  });
}
