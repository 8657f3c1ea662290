// Audit log. Guards against unrecorded or silently altered tool calls: one JSON line per tools/call,
// each chained to the previous one by HMAC-SHA256 keyed with AUDIT_HMAC_KEY, so an edited, deleted,
// inserted, reordered or truncated line breaks the chain (`npm run audit:verify` names it). One writer
// per file (O_EXCL lock holding the pid), the chain resumes after a restart only if the tail verifies,
// lines are written synchronously before the response leaves, file 0600 in a 0700 directory.
// Limit: removing the LAST lines leaves a valid shorter chain; ship the log off-host to detect that.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Secret } from '../config.js';
import { acquireLock, AuditLogError, releaseLock } from './audit-lock.js';
import { canonicalJson } from './canonical-json.js';

export { AuditLogError, canonicalJson };

export const OUTCOMES = ['ok', 'error', 'invalid_args', 'denied', 'rate_limited', 'unauthenticated'] as const;
export type AuditOutcome = (typeof OUTCOMES)[number];

/** What a caller supplies; ts, seq, prev and mac are added by the log. */
export interface AuditEvent {
  correlationId: string;
  principal: string | null;
  tool: string;
  outcome: AuditOutcome;
  reason?: string | undefined;
  durationMs: number;
  args: unknown;
}

export interface AuditSink {
  write(event: AuditEvent): void;
}

export const GENESIS = '0'.repeat(64);
const MAC_SUFFIX = /,"mac":"([0-9a-f]{64})"\}$/;
const TAIL_WINDOW = 1024 * 1024;

/** The key imported once per Secret (same bytes as the string key: its UTF-8). */
const keyObjects = new WeakMap<Secret, KeyObject>();

export function computeMac(key: Secret, prev: string, lineWithoutMac: string): string {
  let keyObject = keyObjects.get(key);
  if (!keyObject) keyObjects.set(key, (keyObject = createSecretKey(Buffer.from(key.reveal(), 'utf8'))));
  return createHmac('sha256', keyObject).update(prev).update(lineWithoutMac).digest('hex');
}

/** The exact line (without newline): canonical JSON of the record, then the mac as its last member. */
export function formatLine(record: Record<string, unknown>, prev: string, key: Secret): { line: string; mac: string } {
  const withoutMac = canonicalJson({ ...record, prev });
  const mac = computeMac(key, prev, withoutMac);
  return { line: `${withoutMac.slice(0, -1)},"mac":"${mac}"}`, mac };
}

export type LineCheck = { ok: true; seq: number; mac: string } | { ok: false; reason: string };

/** Checks one line against the expected previous mac and sequence number. */
export function checkLine(line: string, expectedPrev: string, expectedSeq: number, key: Secret): LineCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON (truncated or garbage line)' };
  }
  const match = MAC_SUFFIX.exec(line);
  if (parsed === null || typeof parsed !== 'object' || !match?.[1]) return { ok: false, reason: 'not an audit record (no mac)' };
  const record = parsed as Record<string, unknown>;
  if (record['prev'] !== expectedPrev) {
    return { ok: false, reason: "prev does not match the previous line's mac (a line was deleted, inserted or reordered)" };
  }
  if (record['seq'] !== expectedSeq) return { ok: false, reason: `seq is ${String(record['seq'])}, expected ${expectedSeq}` };
  const expected = Buffer.from(computeMac(key, expectedPrev, `${line.slice(0, match.index)}}`), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[1], 'hex'))) {
    return { ok: false, reason: 'mac does not verify (the line was edited, or AUDIT_HMAC_KEY is not the key it was written with)' };
  }
  return { ok: true, seq: expectedSeq, mac: match[1] };
}

export type VerifyResult = { ok: true; count: number } | { ok: false; count: number; line: number; reason: string };

/** Verifies a whole file, reading it in chunks; stops at the first bad line. */
export function verifyAuditFile(file: string, key: Secret): VerifyResult {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(TAIL_WINDOW);
    let pending = '';
    let prev = GENESIS;
    let count = 0;
    const decoder = new TextDecoder('utf-8', { fatal: false });
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      pending += decoder.decode(chunk.subarray(0, n), { stream: n > 0 });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const result = checkLine(line, prev, count + 1, key);
        if (!result.ok) return { ok: false, count, line: count + 1, reason: result.reason };
        prev = result.mac;
        count += 1;
      }
      if (n === 0) break;
    }
    if (pending !== '') return { ok: false, count, line: count + 1, reason: 'incomplete last line (no newline: truncated write or edit)' };
    return { ok: true, count };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the last line of the open file, or null when the file is empty. */
function readLastLine(fd: number, file: string): string | null {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return null;
  const length = Math.min(size, TAIL_WINDOW);
  const buffer = Buffer.alloc(length);
  fs.readSync(fd, buffer, 0, length, size - length);
  const text = buffer.toString('utf8');
  if (!text.endsWith('\n')) {
    throw new AuditLogError(`Audit log ${file} ends with an incomplete line. Run \`npm run audit:verify\` to check it; move the file aside to start a new chain.`);
  }
  const start = text.lastIndexOf('\n', text.length - 2);
  if (start === -1 && length < size) throw new AuditLogError(`Audit log ${file}: the last line is longer than ${TAIL_WINDOW} bytes.`);
  return text.slice(start + 1, -1);
}

/** The prev and seq a line claims (checked by checkLine, which also verifies its mac). */
function claimedLink(line: string): { prev: string; seq: number } {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    return { prev: String(record['prev']), seq: Number(record['seq']) };
  } catch {
    return { prev: '', seq: Number.NaN };
  }
}

export interface AuditLogOptions {
  file: string;
  key: Secret;
}

/** The append-only, HMAC-chained writer. */
export class AuditLog implements AuditSink {
  readonly file: string;
  readonly #key: Secret;
  readonly #lockPath: string;
  #fd: number | null;
  #prev: string;
  #seq: number;
  readonly #onExit = () => this.close();

  private constructor(file: string, key: Secret, lockPath: string, fd: number, prev: string, seq: number) {
    this.file = file;
    this.#key = key;
    this.#lockPath = lockPath;
    this.#fd = fd;
    this.#prev = prev;
    this.#seq = seq;
    process.once('exit', this.#onExit);
  }

  static open({ file, key }: AuditLogOptions): AuditLog {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const lockPath = `${file}.lock`;
    acquireLock(lockPath, file);
    let fd: number | undefined;
    try {
      const { O_RDWR, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;
      fd = fs.openSync(file, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600);
      if (!fs.fstatSync(fd).isFile()) throw new AuditLogError(`Audit log ${file} is not a regular file.`);
      fs.fchmodSync(fd, 0o600);
      let prev = GENESIS;
      let seq = 0;
      const last = readLastLine(fd, file);
      if (last !== null) {
        const claimed = claimedLink(last);
        const check = checkLine(last, claimed.prev, claimed.seq, key);
        if (!check.ok) {
          throw new AuditLogError(
            `Audit log ${file}: the last line does not verify (${check.reason}). Refusing to extend a broken chain: run \`npm run audit:verify\` to find the first bad line, then move the file aside to start a new chain.`,
          );
        }
        prev = check.mac;
        seq = check.seq;
      }
      return new AuditLog(file, key, lockPath, fd, prev, seq);
    } catch (error) {
      if (fd !== undefined) fs.closeSync(fd);
      releaseLock(lockPath);
      throw error;
    }
  }

  /** Appends one line synchronously; throws if it cannot be written (callers fail closed). */
  write(event: AuditEvent): void {
    if (this.#fd === null) throw new AuditLogError('audit log is closed');
    const seq = this.#seq + 1;
    // An undefined `reason` is left out of the line by canonicalJson (as by JSON.stringify).
    const record: Record<string, unknown> = { ts: new Date().toISOString(), seq, ...event };
    const { line, mac } = formatLine(record, this.#prev, this.#key);
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.#fd, bytes, written);
    this.#prev = mac;
    this.#seq = seq;
  }

  /** Closes the file and releases the lock (only if it still holds our pid). Idempotent. */
  close(): void {
    if (this.#fd === null) return;
    fs.closeSync(this.#fd);
    this.#fd = null;
    process.removeListener('exit', this.#onExit);
    releaseLock(this.#lockPath);
  }
}
