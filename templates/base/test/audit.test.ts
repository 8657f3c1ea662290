// Audit log: chain, redaction, tamper detection by `audit:verify` (the built CLI), single writer,
// stale-lock takeover, resume after restart, refusal on a broken tail, file permissions, and canonical
// JSON giving exactly the bytes of its reference definition.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Secret } from '../src/config.js';
import { AuditLog, AuditLogError, GENESIS, verifyAuditFile, type AuditEvent } from '../src/security/audit.js';
import { canonicalJson, canonicalJsonReference } from '../src/security/canonical-json.js';
import { PROJECT_ROOT, randomKey, readAudit, tempDir } from './helpers.js';

const VERIFY_CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'audit-verify.js');

function event(i: number, args: unknown = { i }): AuditEvent {
  return { correlationId: `id-${i}`, principal: 'local', tool: 'whoami', outcome: 'ok', durationMs: 1, args };
}

function writeLog(count: number, keyText = randomKey()): { file: string; key: Secret; keyText: string } {
  const file = path.join(tempDir(), 'logs', 'audit.log');
  const key = new Secret(keyText);
  const log = AuditLog.open({ file, key });
  for (let i = 1; i <= count; i++) log.write(event(i));
  log.close();
  return { file, key, keyText };
}

function runVerify(file: string, keyText: string) {
  const result = spawnSync(process.execPath, [VERIFY_CLI, file], {
    cwd: tempDir(),
    env: { ...process.env, AUDIT_HMAC_KEY: keyText },
    encoding: 'utf8',
  });
  expect(result.stdout + result.stderr).not.toContain(keyText);
  return result;
}

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
const rewrite = (file: string, content: string[]) => fs.writeFileSync(file, content.map((l) => `${l}\n`).join(''));

describe('chain', () => {
  test('each line carries seq, prev and an HMAC over prev + line; the chain verifies', () => {
    const { file, key, keyText } = writeLog(5);
    const records = readAudit(file);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]?.prev).toBe(GENESIS);
    for (let i = 1; i < records.length; i++) expect(records[i]?.prev).toBe(records[i - 1]?.mac);
    expect(verifyAuditFile(file, key)).toEqual({ ok: true, count: 5 });
    const cli = runVerify(file, keyText);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('OK: 5 lines verified');
  });

  test('an empty log verifies with a count of 0', () => {
    const { file, keyText } = writeLog(0);
    expect(runVerify(file, keyText)).toMatchObject({ status: 0 });
  });

  test('file is 0600 in a 0700 directory', () => {
    const { file } = writeLog(1);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });
});

describe('tampering is detected and the first bad line named', () => {
  const cases: [string, (l: string[]) => string[], number, RegExp][] = [
    ['an edited line', (l) => l.map((x, i) => (i === 2 ? x.replace('"tool":"whoami"', '"tool":"w0ami"') : x)), 3, /mac does not verify/],
    ['an edited outcome with a recomputed-looking seq', (l) => l.map((x, i) => (i === 1 ? x.replace('"outcome":"ok"', '"outcome":"denied"') : x)), 2, /mac does not verify/],
    ['a deleted line', (l) => l.filter((_, i) => i !== 1), 2, /prev does not match/],
    ['reordered lines', (l) => [l[0]!, l[2]!, l[1]!, l[3]!, l[4]!], 2, /prev does not match/],
    ['a garbage line', (l) => l.map((x, i) => (i === 3 ? 'hello world' : x)), 4, /not valid JSON/],
    ['a truncated line', (l) => l.map((x, i) => (i === 3 ? x.slice(0, 40) : x)), 4, /not valid JSON/],
    ['an inserted copy', (l) => [l[0]!, l[1]!, l[1]!, l[2]!], 3, /prev does not match/],
  ];
  test.each(cases)('%s', (_name, tamper, badLine, reason) => {
    const { file, keyText } = writeLog(5);
    rewrite(file, tamper(lines(file)));
    const cli = runVerify(file, keyText);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`line ${badLine}:`);
    expect(cli.stderr).toMatch(reason);
  });

  test('a truncated last line (no newline)', () => {
    const { file, keyText } = writeLog(3);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, -20));
    const cli = runVerify(file, keyText);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain('line 3:');
  });

  test('the wrong key fails on line 1 and neither key is printed', () => {
    const { file, keyText } = writeLog(3);
    const other = randomKey();
    const cli = runVerify(file, other);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/line 1: mac does not verify/);
    expect(cli.stdout + cli.stderr).not.toContain(keyText);
  });
});

describe('redaction', () => {
  test('sensitive keys are redacted and long strings truncated in the written line', async () => {
    const { redactArgs } = await import('../src/security/redact.js');
    const file = path.join(tempDir(), 'audit.log');
    const log = AuditLog.open({ file, key: new Secret(randomKey()) });
    const args = { path: 'a.txt', password: 'pw-1', nested: { apiKey: 'k-2', Authorization: 'Bearer t-3', list: [{ refresh_token: 't-4' }] }, big: 'x'.repeat(5000) };
    log.write({ ...event(1), args: redactArgs(args) });
    log.close();
    const raw = fs.readFileSync(file, 'utf8');
    for (const secret of ['pw-1', 'k-2', 't-3', 't-4']) expect(raw).not.toContain(secret);
    const [line] = readAudit(file);
    expect(line?.args).toMatchObject({ path: 'a.txt', password: '[REDACTED]', nested: { apiKey: '[REDACTED]', Authorization: '[REDACTED]', list: [{ refresh_token: '[REDACTED]' }] } });
    expect(String((line?.args as { big: string }).big)).toMatch(/^x{256}…\[\+4744 chars\]$/);
  });
});

describe('one writer per file', () => {
  test('a second writer in the same process is refused', () => {
    const file = path.join(tempDir(), 'audit.log');
    const key = new Secret(randomKey());
    const first = AuditLog.open({ file, key });
    expect(() => AuditLog.open({ file, key })).toThrow(/in use by process \d+/);
    first.close();
    AuditLog.open({ file, key }).close(); // released on close
  });

  test('a live second process holding the lock is refused', async () => {
    const file = path.join(tempDir(), 'audit.log');
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(`${file}.lock`, `${holder.pid}\n`);
      expect(() => AuditLog.open({ file, key: new Secret(randomKey()) })).toThrow(new RegExp(`in use by process ${holder.pid}`));
    } finally {
      holder.kill();
    }
  });

  test('a stale lock from a dead pid is taken over', async () => {
    const file = path.join(tempDir(), 'audit.log');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(`${file}.lock`, `${dead.stdout}\n`);
    const log = AuditLog.open({ file, key: new Secret(randomKey()) });
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    log.close();
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
});

describe('restart', () => {
  test('the chain resumes after a restart and still verifies', () => {
    const { file, key, keyText } = writeLog(3);
    const again = AuditLog.open({ file, key });
    again.write(event(4));
    again.close();
    const records = readAudit(file);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(records[3]?.prev).toBe(records[2]?.mac);
    expect(runVerify(file, keyText).status).toBe(0);
  });

  test.each([
    ['an edited last line', (t: string) => t.replace(/"durationMs":1(?![\s\S]*"durationMs")/, '"durationMs":2')],
    ['a partial last line', (t: string) => t.slice(0, -15)],
  ])('refuses to start on %s, pointing at audit:verify', (_name, tamper) => {
    const { file, key } = writeLog(3);
    fs.writeFileSync(file, tamper(fs.readFileSync(file, 'utf8')));
    expect(() => AuditLog.open({ file, key })).toThrow(AuditLogError);
    expect(() => AuditLog.open({ file, key })).toThrow(/audit:verify/);
    expect(fs.existsSync(`${file}.lock`)).toBe(false); // a refused start leaves no lock behind
  });

  test('refuses to start with a different key', () => {
    const { file } = writeLog(2);
    expect(() => AuditLog.open({ file, key: new Secret(randomKey()) })).toThrow(/does not verify/);
  });
});

describe('canonical JSON (the bytes the HMAC covers)', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const values: unknown[] = [
    {},
    [],
    { b: 1, a: [3, { d: null, c: 'x' }], e: { g: true, f: false } },
    { reason: undefined, fn: () => 1, sym: Symbol('s'), keep: 0 },
    [undefined, () => 1, Symbol('s'), Number.NaN, Infinity, -0, 1e21, 5e-7],
    { '10': 'ten', '2': 'two', b: 'b', a: 'a', '01': 'zero-one', '-1': 'minus' },
    JSON.parse('{"__proto__":{"x":1},"z":1}') as unknown,
    { 'é': 1, e: 2, E: 3, '\u{1F600}': 4, '\uD800': 'lone', 'quote"key': '\u2028\n\t"\\' },
    Object.assign(Object.create(null) as object, { b: 1, a: 2 }),
    { when: new Date(0), point: new Point(1), json: { toJSON: () => ({ z: 1, y: 2 }) } },
    { toJSON: 'not a function', a: 1 },
    { deep: { a: { b: { c: { d: { e: [1, { g: 2, f: 1 }] } } } } } },
    'text',
    42,
    null,
    true,
  ];
  test.each(values.map((value, i) => [i, value]))('value %i: same bytes as JSON.stringify with sorted keys', (_i, value) => {
    expect(canonicalJson(value)).toBe(canonicalJsonReference(value));
  });

  test('random JSON values give the same bytes as the reference', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const keyChars = ['a', 'b', 'Z', '_', '0', '9', 'é', '"', '\\', '\u0000'];
    const gen = (depth: number): unknown => {
      const kind = depth > 3 ? pick(['s', 'n', 'b', 'z']) : pick(['s', 'n', 'b', 'z', 'a', 'o', 'o']);
      if (kind === 's') return Array.from({ length: Math.floor(rand() * 5) }, () => pick(keyChars)).join('');
      if (kind === 'n') return pick([0, -1, 1.5, 1e300, -1e-300, Math.floor(rand() * 1e6)]);
      if (kind === 'b') return rand() < 0.5;
      if (kind === 'z') return null;
      if (kind === 'a') return Array.from({ length: Math.floor(rand() * 4) }, () => gen(depth + 1));
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 6); i > 0; i--) out[Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(keyChars)).join('')] = gen(depth + 1);
      return out;
    };
    for (let i = 0; i < 2000; i++) {
      const value = gen(0);
      expect(canonicalJson(value)).toBe(canonicalJsonReference(value));
    }
  });

  test('throws like the reference on a cycle (stack overflow) and on a bigint', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const errorOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as Error).constructor;
      }
      return undefined;
    };
    for (const value of [cyclic, { n: 1n }]) {
      expect(errorOf(() => canonicalJson(value))).toBeDefined();
      expect(errorOf(() => canonicalJson(value))).toBe(errorOf(() => canonicalJsonReference(value)));
    }
  });
});
