// Audit log: one segment per writer (start and end records, O_EXCL, 0600 in a 0700 directory),
// several writers side by side, rollover with links, starting whatever old segments end with, bounded
// lines whatever the input, refusals counted per address, tamper detection by `audit:verify` (the built
// CLI) over the whole directory — and canonical JSON giving exactly the bytes of its reference definition.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Secret } from '../src/config.js';
import { verifyAuditDir } from '../src/security/audit-check.js';
import { AuditLog, AuditLogError, formatLine, GENESIS, LINE_MAX_BYTES, listSegments, processStartTime, readInstanceId, REFUSALS, type AuditEvent } from '../src/security/audit.js';
import { canonicalJson, canonicalJsonReference } from '../src/security/canonical-json.js';
import { argsDigest, HASH_BUDGET } from '../src/security/redact.js';
import { PROJECT_ROOT, randomKey, readAudit, readAuditRecords, REQUIRED_TEST_ENV, tempDir } from './helpers.js';

const VERIFY_CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'audit-verify.js');

function event(i: number, args: unknown = { i }): AuditEvent {
  return { correlationId: `id-${i}`, principal: 'local', tool: 'whoami', outcome: 'ok', durationMs: 1, args };
}

function writeLog(count: number, keyText = randomKey(), dir = path.join(tempDir(), 'logs', 'audit')): { dir: string; file: string; key: Secret; keyText: string } {
  const key = new Secret(keyText);
  const log = AuditLog.open({ dir, key });
  for (let i = 1; i <= count; i++) log.write(event(i));
  log.close();
  return { dir, file: log.file, key, keyText };
}

/** Like writeLog, but in a child process that has exited by the time it returns (its segments' writer is gone). */
function writeLogInChild(count: number, keyText: string, dir = path.join(tempDir(), 'logs', 'audit')): { dir: string; file: string } {
  const script = `
    const { AuditLog } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'security', 'audit.js'))});
    const { Secret } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'config.js'))});
    const log = AuditLog.open({ dir: ${JSON.stringify(dir)}, key: new Secret(process.env.KEY) });
    for (let i = 1; i <= ${count}; i++) log.write({ correlationId: 'id-' + i, principal: 'local', tool: 'whoami', outcome: 'ok', durationMs: 1, args: { i } });
    log.close();
    process.stdout.write(log.file);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, KEY: keyText }, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return { dir, file: result.stdout };
}

function runVerify(target: string, keyText: string, ...flags: string[]) {
  const result = spawnSync(process.execPath, [VERIFY_CLI, target, ...flags], {
    cwd: tempDir(),
    env: { ...process.env, ...REQUIRED_TEST_ENV, AUDIT_HMAC_KEY: keyText, AUDIT_LOG_FILE: '' },
    encoding: 'utf8',
  });
  expect(result.stdout + result.stderr).not.toContain(keyText);
  return result;
}

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
const rewrite = (file: string, content: string[]) => fs.writeFileSync(file, content.map((l) => `${l}\n`).join(''));
/** A pid that is certainly not running: a child that has exited. */
const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('segments', () => {
  test('a segment opens with a signed start record, chains each line, and closes with an end record; it verifies', () => {
    const { dir, file, key, keyText } = writeLog(5);
    expect(path.basename(file)).toMatch(new RegExp(`^\\d{8}T\\d{9}Z-${process.pid}-[0-9a-f]{8}\\.jsonl$`));
    const records = readAuditRecords(file);
    expect(records.map((r) => [r.type, r.seq])).toEqual([['start', 1], ['call', 2], ['call', 3], ['call', 4], ['call', 5], ['call', 6], ['end', 7]]);
    expect(records[0]).toMatchObject({ segment: path.basename(file), pid: process.pid, transport: 'unknown', link: null, prev: GENESIS });
    expect(records[6]).toMatchObject({ reason: 'shutdown', count: 6, lastSeq: 6 });
    for (let i = 1; i < records.length; i++) expect(records[i]?.['prev']).toBe(records[i - 1]?.['mac']);
    expect(verifyAuditDir(dir, key)).toMatchObject({ status: 'ok', records: 7, segments: [{ status: 'verified', records: 7 }] });
    const cli = runVerify(dir, keyText);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('OK: 7 records in 1 segment verified');
  });

  test('a process that records nothing leaves no segment (a short-lived probe of the server)', () => {
    const dir = path.join(tempDir(), 'audit');
    const log = AuditLog.open({ dir, key: new Secret(randomKey()) });
    log.close();
    expect(listSegments(dir)).toEqual([]);
    expect(log.file).toBe('');
  });

  test('file 0600 in a 0700 directory, created with O_EXCL (never an existing file)', () => {
    const { dir, file } = writeLog(1);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  test('a restart starts a new segment linked to the end record of the last one; both verify', () => {
    const { dir, key, keyText } = writeLog(2);
    const second = writeLog(1, keyText, dir);
    const [a, b] = listSegments(dir);
    const firstEnd = readAuditRecords(path.join(dir, a!)).at(-1)!;
    expect(readAuditRecords(second.file)[0]).toMatchObject({ link: { segment: a, seq: firstEnd.seq, mac: firstEnd['mac'] } });
    expect(b).toBe(path.basename(second.file));
    expect(verifyAuditDir(dir, key)).toMatchObject({ status: 'ok', segments: [{ status: 'verified' }, { status: 'verified' }] });
    expect(runVerify(dir, keyText).status).toBe(0);
  });

  test('two writers of one directory at once (no lock): each its own segment, both verify', () => {
    const dir = path.join(tempDir(), 'audit');
    const key = new Secret(randomKey());
    const first = AuditLog.open({ dir, key });
    const second = AuditLog.open({ dir, key });
    for (let i = 1; i <= 10; i++) (i % 2 ? first : second).write(event(i));
    expect(first.file).not.toBe(second.file);
    expect(verifyAuditDir(dir, key).segments.map((s) => s.status)).toEqual(['open', 'open']); // writers alive
    first.close();
    second.close();
    expect(verifyAuditDir(dir, key)).toMatchObject({ status: 'ok', segments: [{ status: 'verified' }, { status: 'verified' }] });
    expect(readAudit(dir)).toHaveLength(10);
  });

  test('rolls over at the size limit into a new segment linked back to the old one', () => {
    const dir = path.join(tempDir(), 'audit');
    const key = new Secret(randomKey());
    const log = AuditLog.open({ dir, key, maxSegmentBytes: 4096 });
    for (let i = 1; i <= 100; i++) log.write(event(i, { text: 'x'.repeat(100) }));
    log.close();
    const names = listSegments(dir);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(4096 + LINE_MAX_BYTES);
    expect(readAudit(dir).map((l) => l.correlationId)).toEqual(Array.from({ length: 100 }, (_, i) => `id-${i + 1}`));
    const report = verifyAuditDir(dir, key);
    expect(report.status).toBe('ok');
    expect(report.segments.every((s) => s.status === 'verified' && s.warnings.length === 0)).toBe(true);
    for (let i = 1; i < names.length; i++) expect(report.segments[i]?.link?.segment).toBe(names[i - 1]);
  });
});

describe('starting never depends on old segments', () => {
  test.each([
    ['a file', (file: string) => file],
    ['a folder under a file', (file: string) => path.join(file, 'audit')],
  ])('AUDIT_LOG_DIR naming %s: a clear AuditLogError (the transports print it and exit 1), never a crash', (_label, dirOf) => {
    const file = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    expect(() => AuditLog.open({ dir: dirOf(file), key: new Secret(randomKey()) })).toThrow(AuditLogError);
    expect(() => AuditLog.open({ dir: dirOf(file), key: new Secret(randomKey()) })).toThrow(/is not a directory: point AUDIT_LOG_DIR at a folder/);
  });

  test('a stale segment of a dead pid ending in garbage, a partial or an over-long line never blocks start', () => {
    const dir = path.join(tempDir(), 'audit');
    const key = new Secret(randomKey());
    writeLog(2, key.reveal(), dir);
    fs.mkdirSync(dir, { recursive: true });
    const pid = deadPid();
    fs.writeFileSync(path.join(dir, `20200101T000000000Z-${pid}-deadbeef.jsonl`), 'garbage\n{"partial');
    fs.writeFileSync(path.join(dir, `20200101T000000001Z-${pid}-deadbee0.jsonl`), `${'['.repeat(2 * 1024 * 1024)}\n`);
    fs.writeFileSync(path.join(dir, 'audit.log.lock'), `${pid}\n`); // an old-style lock means nothing now
    const log = AuditLog.open({ dir, key });
    log.write(event(1));
    log.close();
    expect(readAudit(log.file)).toHaveLength(1);
  });

  test('a segment left by a SIGKILLed writer (mid-load) never blocks start; verify warns with its last good seq', async () => {
    const dir = path.join(tempDir(), 'audit');
    const keyText = randomKey();
    const script = `
      const { AuditLog } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'security', 'audit.js'))});
      const { Secret } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'config.js'))});
      const log = AuditLog.open({ dir: ${JSON.stringify(dir)}, key: new Secret(${JSON.stringify(keyText)}) });
      process.stdout.write('ready\\n');
      for (let i = 0; ; i++) log.write({ correlationId: 'c' + i, principal: 'p', tool: 't', outcome: 'ok', durationMs: 0, args: { i } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const key = new Secret(keyText);
    const next = AuditLog.open({ dir, key });
    next.write(event(1));
    next.close();
    const report = verifyAuditDir(dir, key);
    expect(report.status).toBe('ok');
    const killed = report.segments[0]!;
    expect(killed.status).toBe('unclean');
    expect(killed.records).toBeGreaterThan(10);
    expect(killed.warnings.join(' ')).toContain(`last good seq ${killed.lastSeq}`);
    expect(report.segments[1]?.status).toBe('verified');
    const cli = runVerify(dir, keyText);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toMatch(/WARNING: .*ended uncleanly.*last good seq \d+/);
  });
});

describe('a reused pid (a restarted container: PID 1 again) is not taken for the old writer', () => {
  // Where /proc tells when a process started (Linux); elsewhere a live pid is taken at its word.
  test.runIf(processStartTime(process.pid) !== undefined)('a segment without an end record whose pid is alive but started at another time ended uncleanly, not open', () => {
    const keyText = randomKey();
    const { dir, key } = writeLog(1, keyText);
    const name = `20200101T000000000Z-1-0badc0de.jsonl`;
    const forge = (pidStart: string | undefined) => {
      const start = { ts: new Date().toISOString(), seq: 1, type: 'start', segment: name, instance: readInstanceId(dir), pid: 1, pidStart, host: os.hostname(), transport: 'stdio', link: null };
      fs.writeFileSync(path.join(dir, name), `${formatLine(start, GENESIS, key).line}\n`);
      return verifyAuditDir(dir, key).segments.find((s) => s.segment === name)?.status;
    };
    expect(forge('999999999999')).toBe('unclean'); // PID 1 runs, but it is not the process that wrote this
    if (processStartTime(1) !== undefined) expect(forge(processStartTime(1))).toBe('open');
  });
});

describe('bounded lines', () => {
  const nestedBody = (bytes: number) => {
    // The review's body: ~1 MB of nested empty arrays, wide at every level.
    const unit = '[[[[[[[]]]]]]]';
    return JSON.parse(`[${Array.from({ length: Math.floor(bytes / (unit.length + 1)) }, () => unit).join(',')}]`) as unknown;
  };
  const attacks: [string, () => unknown][] = [
    ['1 MB of nested empty arrays', () => ({ x: nestedBody(1024 * 1024) })],
    ['100,000 levels deep', () => JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown],
    ['a 1 MB string', () => ({ s: 'x'.repeat(1024 * 1024) })],
    ['100,000 keys', () => Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))],
    ['control characters (6 bytes each in JSON)', () => ({ a: '\u0001'.repeat(100_000), b: Array.from({ length: 60 }, () => '\u0002'.repeat(300)) })],
    ['long keys of emoji', () => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${'😀'.repeat(500)}${i}`, '😀'.repeat(500)]))],
  ];
  test.each(attacks)('%s: the line stays under the cap; the cut is marked with the SHA-256 of the full arguments', (_name, make) => {
    const args = make();
    const dir = path.join(tempDir(), 'audit');
    const key = new Secret(randomKey());
    const log = AuditLog.open({ dir, key });
    const started = performance.now();
    log.write({ ...event(1, args), principal: '\u0001'.repeat(5000), tool: '😀'.repeat(5000), reason: '"'.repeat(5000) });
    // Not a speed target (benchmarks hold those): a guard against super-linear work on these inputs, with
    // room for a loaded CI machine (a bounded walk takes well under a second here).
    expect(performance.now() - started).toBeLessThan(10_000);
    log.close();
    for (const line of lines(log.file)) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(LINE_MAX_BYTES);
    const [line] = readAudit(log.file);
    expect(line?.argsCut?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(line?.argsCut?.sha256).toBe(argsDigest(args).sha256);
    expect(verifyAuditDir(dir, key).status).toBe('ok');
  });

  test('the digest is the SHA-256 of the canonical JSON when the walk completes', async () => {
    const { createHash } = await import('node:crypto');
    const args = { b: [1, 'two', { d: null, c: true }], a: 'x'.repeat(300) };
    expect(argsDigest(args)).toEqual({ sha256: createHash('sha256').update(canonicalJson(args)).digest('hex'), complete: true });
  });

  test('the digest is no oracle for secrets: sensitive fields are hashed as [REDACTED]', () => {
    const other = { user: 'ann', note: 'x'.repeat(50) };
    expect(argsDigest({ ...other, password: 'hunter2' })).toEqual(argsDigest({ ...other, password: 'correct horse' }));
    expect(argsDigest({ ...other, password: 'hunter2' })).toEqual(argsDigest({ ...other, password: '[REDACTED]' }));
    expect(argsDigest({ ...other, user: 'bob' })).not.toEqual(argsDigest(other));
  });

  test('the hashing walk stops at its budget and says so (hashing is never the DoS)', () => {
    expect(argsDigest({ s: 'x'.repeat(HASH_BUDGET.bytes + 1) }).complete).toBe(false);
    expect(argsDigest(Array.from({ length: HASH_BUDGET.nodes + 1 }, () => 0)).complete).toBe(false);
    expect(argsDigest(JSON.parse(`${'['.repeat(HASH_BUDGET.nodes + 10)}${']'.repeat(HASH_BUDGET.nodes + 10)}`)).complete).toBe(false);
  });

  test('small arguments are written as they are, without a digest', () => {
    const dir = path.join(tempDir(), 'audit');
    const log = AuditLog.open({ dir, key: new Secret(randomKey()) });
    log.write(event(1, { path: 'a.txt', n: 2 }));
    log.close();
    expect(readAudit(log.file)[0]).toMatchObject({ args: { path: 'a.txt', n: 2 } });
    expect(readAudit(log.file)[0]?.argsCut).toBeUndefined();
  });
});

describe('refusals before authentication are counted, not copied', () => {
  test('1000 refusals from one address: two lines (the first, then the count), never arguments', () => {
    const dir = path.join(tempDir(), 'audit');
    const log = AuditLog.open({ dir, key: new Secret(randomKey()) });
    for (let i = 0; i < 1000; i++) log.refusal({ address: '203.0.113.7', tool: 'whoami', outcome: 'unauthenticated', reason: 'unknown credential' });
    expect(readAudit(log.file)).toHaveLength(1);
    log.close();
    const refusals = readAudit(log.file);
    expect(refusals.map((l) => [l.type, l.address, l.outcome, l.count])).toEqual([
      ['refusal', '203.0.113.7', 'unauthenticated', 1],
      ['refusal', '203.0.113.7', 'unauthenticated', 999],
    ]);
    expect(refusals[1]!.first! <= refusals[1]!.last!).toBe(true);
    for (const line of refusals) expect(line.args).toBeUndefined();
  });

  test('a flood from many addresses grows the log by a bounded number of lines per window', () => {
    const dir = path.join(tempDir(), 'audit');
    const log = AuditLog.open({ dir, key: new Secret(randomKey()) });
    for (let i = 0; i < 5000; i++) log.refusal({ address: `2001:db8:${i.toString(16)}::/64`, tool: 'whoami', outcome: 'rate_limited', reason: 'ip limit' });
    log.close();
    const refusals = readAudit(log.file);
    expect(refusals.length).toBeLessThanOrEqual(REFUSALS.immediatePerWindow + REFUSALS.tracked + 1);
    expect(refusals.reduce((sum, l) => sum + (l.count ?? 0), 0)).toBe(5000);
  });

  test('a new window writes the previous count and starts again', async () => {
    const dir = path.join(tempDir(), 'audit');
    const log = AuditLog.open({ dir, key: new Secret(randomKey()), refusalWindowMs: 100 });
    for (let i = 0; i < 3; i++) log.refusal({ address: 'a', tool: 't', outcome: 'unauthenticated', reason: 'r' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    log.refusal({ address: 'a', tool: 't', outcome: 'unauthenticated', reason: 'r' });
    log.close();
    expect(readAudit(log.file).map((l) => l.count)).toEqual([1, 2, 1]);
  });
});

describe('audit:verify over the directory', () => {
  test.each([
    ['a missing directory', (dir: string) => path.join(dir, 'nope')],
    ['an empty directory', (dir: string) => (fs.mkdirSync(path.join(dir, 'empty')), path.join(dir, 'empty'))],
    ['an empty segment file', (dir: string) => (fs.writeFileSync(path.join(dir, `20200101T000000000Z-${deadPid()}-00000000.jsonl`), ''), dir)],
  ])('%s: no records, exit 3 (not OK)', (_name, make) => {
    const cli = runVerify(make(tempDir()), randomKey());
    expect(cli.status).toBe(3);
    expect(cli.stderr).toContain('NO RECORDS');
    expect(cli.stdout).not.toContain('OK');
  });

  const cases: [string, (l: string[]) => string[], number, RegExp][] = [
    ['an edited line', (l) => l.map((x, i) => (i === 2 ? x.replace('"tool":"whoami"', '"tool":"w0ami"') : x)), 3, /mac does not verify/],
    ['an edited outcome', (l) => l.map((x, i) => (i === 1 ? x.replace('"outcome":"ok"', '"outcome":"denied"') : x)), 2, /mac does not verify/],
    ['a deleted line', (l) => l.filter((_, i) => i !== 1), 2, /prev does not match/],
    ['reordered lines', (l) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)], 2, /prev does not match/],
    ['a garbage line', (l) => l.map((x, i) => (i === 3 ? 'hello world' : x)), 4, /not valid JSON/],
    ['a truncated line in the middle', (l) => l.map((x, i) => (i === 3 ? x.slice(0, 40) : x)), 4, /not valid JSON/],
    ['an inserted copy', (l) => [l[0]!, l[1]!, l[1]!, ...l.slice(2)], 3, /prev does not match/],
    ['a line after the end record', (l) => [...l, l[1]!], 8, /after the end record/],
    ['a deleted start record', (l) => l.slice(1), 1, /prev does not match/],
  ];
  test.each(cases)('%s: BROKEN, exit 1, naming segment and line', (_name, tamper, badLine, reason) => {
    const { dir, file, keyText } = writeLog(5);
    rewrite(file, tamper(lines(file)));
    const cli = runVerify(dir, keyText);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`BROKEN: ${path.basename(file)} line ${badLine}:`);
    expect(cli.stderr).toMatch(reason);
  });

  test('the wrong key fails on line 1 and neither key is printed', () => {
    const { dir, keyText } = writeLog(3);
    const cli = runVerify(dir, randomKey());
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/line 1: mac does not verify/);
    expect(cli.stdout + cli.stderr).not.toContain(keyText);
  });

  test("another instance's segment, signed with the same key, is named as foreign", () => {
    const keyText = randomKey();
    const ours = writeLog(3, keyText);
    const theirs = writeLog(3, keyText);
    fs.copyFileSync(theirs.file, path.join(ours.dir, path.basename(theirs.file)));
    const cli = runVerify(ours.dir, keyText);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(new RegExp(`BROKEN: ${path.basename(theirs.file)} line 1: written by another instance`));
  });

  test('a symlink posing as a segment is broken, not followed', () => {
    const { dir, file, keyText } = writeLog(2);
    fs.symlinkSync(file, path.join(dir, `20990101T000000000Z-${process.pid}-abcdef02.jsonl`));
    const cli = runVerify(dir, keyText);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/BROKEN: 20990101T000000000Z-\d+-abcdef02\.jsonl line 1: cannot be read as a segment/);
  });

  test('a renamed segment is refused (its start record names its file)', () => {
    const { dir, file, keyText } = writeLog(2);
    const renamed = path.join(dir, `20200101T000000000Z-${process.pid}-abcdef01.jsonl`);
    fs.renameSync(file, renamed);
    expect(runVerify(dir, keyText).status).toBe(1);
  });

  test('tail deletion, then a restart: the later segment\'s link no longer matches, exit 1', () => {
    const keyText = randomKey();
    const { dir, file } = writeLogInChild(5, keyText);
    writeLog(1, keyText, dir); // restart: links to the first segment's end record
    rewrite(file, lines(file).slice(0, -2)); // delete the last call and the end record
    const cli = runVerify(dir, keyText);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/ended uncleanly.*last good seq 5/);
    expect(cli.stderr).toMatch(/BROKEN: .* line 1: its link to .* does not match/);
  });

  test('tail deletion while stopped: the segment is reported as ended uncleanly with its last good seq', () => {
    const keyText = randomKey();
    const { dir, file } = writeLogInChild(5, keyText);
    rewrite(file, lines(file).slice(0, -3));
    writeLog(1, keyText, dir);
    const cli = runVerify(dir, keyText);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toMatch(new RegExp(`WARNING: ${path.basename(file)}: ended uncleanly .*last good seq 4`));
  });

  test('a partial last line (a write cut short) is a warning, not a break', () => {
    const keyText = randomKey();
    const { dir, file } = writeLogInChild(3, keyText);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, -20));
    const cli = runVerify(dir, keyText);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toMatch(/incomplete line 5/);
    expect(cli.stderr).toMatch(/last good seq 4/);
  });

  test('--json prints the whole report', () => {
    const { dir, file, keyText } = writeLog(2);
    const cli = runVerify(dir, keyText, '--json');
    expect(cli.status).toBe(0);
    const report = JSON.parse(cli.stdout) as { status: string; segments: { segment: string; status: string; records: number }[] };
    expect(report).toMatchObject({ status: 'ok', segments: [{ segment: path.basename(file), status: 'verified', records: 4 }] });
  });
});

describe('redaction', () => {
  test('sensitive keys are redacted and long strings truncated in the written line', () => {
    const dir = path.join(tempDir(), 'audit');
    const log = AuditLog.open({ dir, key: new Secret(randomKey()) });
    const args = { path: 'a.txt', password: 'pw-1', nested: { apiKey: 'k-2', Authorization: 'Bearer t-3', list: [{ refresh_token: 't-4' }] }, big: 'x'.repeat(5000) };
    log.write(event(1, args));
    log.close();
    const raw = fs.readFileSync(log.file, 'utf8');
    for (const secret of ['pw-1', 'k-2', 't-3', 't-4']) expect(raw).not.toContain(secret);
    const [line] = readAudit(log.file);
    expect(line?.args).toMatchObject({ path: 'a.txt', password: '[REDACTED]', nested: { apiKey: '[REDACTED]', Authorization: '[REDACTED]', list: [{ refresh_token: '[REDACTED]' }] } });
    expect(String((line?.args as { big: string }).big)).toMatch(/^x{256}…\[\+4744 chars\]$/);
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
