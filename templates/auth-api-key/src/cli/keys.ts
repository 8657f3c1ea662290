// The `keys` script (`node dist/cli/keys.js create|list|revoke`): manages API_KEYS_FILE. Guards against keys leaking into
// places they outlive (the new key goes to stdout ONCE and nothing else does, so
// `node dist/cli/keys.js create … > file` captures only the key; `list` never prints a hash or key),
// against ambiguous identities (names are unique among keys not revoked and limited to a safe
// charset), against typos in grants (scopes follow the scope grammar; scopes no tool declares are
// warned about), against a torn or world-writable file (atomic 0600 writes, see api-key-store.ts)
// and against two concurrent runs losing an update (an exclusive lock file around read-modify-write).
// Exit codes: 0 done, 1 bad usage or refused, 2 configuration or file problem.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { generateApiKey, KEY_NAME, KEY_NAME_RULE, SCOPE_TOKEN } from '../security/api-key-format.js';
import { KeysFileError, modeProblem, ownershipProblem, readKeysFile, writeKeysFile, type KeyEntry, type KeysFile } from '../security/api-key-store.js';
import { declaredScopes } from '../tools/define.js';
import { createTools } from '../tools/index.js';

const USAGE = `Usage:
  node dist/cli/keys.js create --name NAME --scopes a:read,b:write [--expires-in 30d]
        prints ONLY the new key on stdout (shown once; store it now)
  node dist/cli/keys.js list [--json]
  node dist/cli/keys.js revoke NAME
(The package.json script \`keys\` runs the same file.)
--expires-in: a number followed by m (minutes), h (hours) or d (days), at most 3650d.`;

class UsageError extends Error {}

const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

type Status = 'active' | 'revoked' | 'expired';
function statusOf(key: KeyEntry, now: number): Status {
  if (key.revokedAt !== undefined) return 'revoked';
  if (key.expiresAt !== undefined && Date.parse(key.expiresAt) <= now) return 'expired';
  return 'active';
}

function parseDuration(text: string): number {
  const match = /^(\d{1,7})([mhd])$/.exec(text);
  if (!match?.[1] || !match[2]) throw new UsageError(`--expires-in "${text}" must look like 90m, 12h or 30d`);
  const ms = Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  if (ms < 60_000 || ms > 3650 * 86_400_000) throw new UsageError('--expires-in must be between 1m and 3650d');
  return ms;
}

/** Exclusive lock around read-modify-write; a lock older than 30 s is treated as left by a crash. */
function withLock<T>(file: string, work: () => T): T {
  const lock = `${file}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        if (attempt > 0) throw error;
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        continue;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30_000) fs.rmSync(lock, { force: true });
      else if (attempt > 50) throw new KeysFileError(`${lock} is held by another run (remove it if no other run is active)`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function readChecked(file: string): KeysFile {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  const ownership = ownershipProblem(file, stat);
  if (ownership !== undefined) throw new KeysFileError(ownership);
  const problem = stat ? modeProblem(stat.mode) : undefined;
  if (problem?.level === 'refuse') throw new KeysFileError(`API_KEYS_FILE ${file} ${problem.message.replace('<file>', file)}`);
  if (problem) err(`warning: ${file} ${problem.message.replace('<file>', file)}`);
  return readKeysFile(file);
}

function create(config: Config, args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, 'expires-in': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const name = values.name;
  if (name === undefined) throw new UsageError('--name is required');
  if (!KEY_NAME.test(name)) throw new UsageError(`--name must be ${KEY_NAME_RULE}`);
  if (values.scopes === undefined) throw new UsageError('--scopes is required (comma-separated; --scopes "" for none)');
  const scopes = [...new Set(values.scopes.split(/[\s,]+/).filter((s) => s !== ''))].sort();
  const bad = scopes.filter((s) => !SCOPE_TOKEN.test(s));
  if (bad.length > 0) throw new UsageError(`invalid scope name(s): ${bad.map((s) => JSON.stringify(s)).join(', ')}`);
  if (scopes.length > 64) throw new UsageError('at most 64 scopes');
  const expiresMs = values['expires-in'] === undefined ? undefined : parseDuration(values['expires-in']);

  const declared = new Set(declaredScopes(createTools({ config })));
  const unknown = scopes.filter((s) => !declared.has(s));
  if (unknown.length > 0) err(`warning: no tool declares ${unknown.join(', ')} (declared: ${[...declared].join(', ') || 'none'})`);
  if (scopes.length === 0) err('warning: the key has no scopes; it can only call tools that need none');

  const file = config.apiKeys.file;
  const created = withLock(file, () => {
    const data = readChecked(file);
    const now = Date.now();
    const clash = data.keys.find((k) => k.name === name && k.revokedAt === undefined);
    if (clash) {
      throw new UsageError(`a key named "${name}" exists (${statusOf(clash, now)}); revoke it first or choose another name`);
    }
    let generated = generateApiKey();
    while (data.keys.some((k) => k.id === generated.id)) generated = generateApiKey();
    const entry: KeyEntry = {
      id: generated.id,
      name,
      hash: generated.hash,
      scopes,
      createdAt: new Date(now).toISOString(),
      ...(expiresMs !== undefined && { expiresAt: new Date(now + expiresMs).toISOString() }),
    };
    writeKeysFile(file, { version: 1, keys: [...data.keys, entry] });
    return { key: generated.key, entry };
  });
  process.stdout.write(`${created.key}\n`);
  err(
    `Created API key "${name}" (id ${created.entry.id}, scopes ${scopes.join(',') || 'none'}, ` +
      `expires ${created.entry.expiresAt ?? 'never'}) in ${file}.\n` +
      'The key above is shown only once; send it as "Authorization: Bearer <key>".',
  );
  return 0;
}

function list(config: Config, args: string[]): number {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const now = Date.now();
  // Only these fields are ever printed: never the hash (nor, obviously, a key).
  const rows = readChecked(config.apiKeys.file).keys.map((k) => ({
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    createdAt: k.createdAt,
    expiresAt: k.expiresAt ?? null,
    revokedAt: k.revokedAt ?? null,
    status: statusOf(k, now),
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    err(`No keys in ${config.apiKeys.file}.`);
    return 0;
  }
  const table = [
    ['NAME', 'ID', 'STATUS', 'SCOPES', 'CREATED', 'EXPIRES', 'REVOKED'],
    ...rows.map((r) => [r.name, r.id, r.status, r.scopes.join(',') || '-', r.createdAt, r.expiresAt ?? '-', r.revokedAt ?? '-']),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}

function revoke(config: Config, args: string[]): number {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  const [name, extra] = positionals;
  if (name === undefined || extra !== undefined) throw new UsageError('revoke takes exactly one key name');
  const file = config.apiKeys.file;
  const count = withLock(file, () => {
    const data = readChecked(file);
    const revokedAt = new Date().toISOString();
    let n = 0;
    const keys = data.keys.map((k) => {
      if (k.name !== name || k.revokedAt !== undefined) return k;
      n++;
      return { ...k, revokedAt };
    });
    if (n > 0) writeKeysFile(file, { version: 1, keys });
    return n;
  });
  if (count === 0) {
    err(`No key named "${name}" that is not already revoked.`);
    return 1;
  }
  err(`Revoked API key "${name}"; a running server refuses it from its next request on.`);
  return 0;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    err(USAGE);
    return command === undefined ? 1 : 0;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(error.message);
    return 2;
  }
  try {
    switch (command) {
      case 'create':
        return create(config, rest);
      case 'list':
        return list(config, rest);
      case 'revoke':
        return revoke(config, rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      err(`keys: ${error.message}\n\n${USAGE}`);
      return 1;
    }
    if (error instanceof KeysFileError) {
      err(`keys: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
