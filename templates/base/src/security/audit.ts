// Audit log. Guards against unrecorded or silently altered tool calls, and against the log itself
// stopping or flooding the server:
//  - one segment file per writing process in AUDIT_LOG_DIR (created with O_EXCL, 0600 in a 0700
//    directory, named by UTC start time, pid and a random id): several processes of one project write
//    side by side, no lock files, and starting never depends on what an old segment ends with (the
//    segment is created with the first record: a process that records nothing leaves no file);
//  - each line chained to the previous one by HMAC-SHA256 keyed with AUDIT_HMAC_KEY; a segment opens
//    with a signed `start` record (instance, pid, host, transport, generator version, and a link to
//    the end record of the newest closed segment it can see) and closes with a signed `end` record
//    (count, last seq); it rolls over at AUDIT_SEGMENT_MAX_BYTES into a new segment linked back to it;
//  - every line is bounded (LINE_MAX_BYTES) whatever the input: arguments are redacted and capped
//    (src/security/redact.ts), a cut is marked with the SHA-256 of the full arguments;
//  - refusals before authentication are counted, not copied: no arguments, and per client address
//    one line at the first refusal of a window plus one line with the count of the rest;
//  - lines are written synchronously before the response leaves.
// `npm run audit:verify` checks every segment (src/security/audit-check.ts).
import { createHmac, createSecretKey, randomBytes, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Secret } from '../config.js';
import { canonicalJson } from './canonical-json.js';
import { hostPlatform, openNoFollowSync, type HostPlatform } from './platform.js';
import { argsDigest, boundArgs } from './redact.js';

export { canonicalJson };

/** True when `dir` is a folder; false when it is missing, a file, or under a file (ENOTDIR). */
function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export class AuditLogError extends Error {
  override name = 'AuditLogError';
}

export const OUTCOMES = ['ok', 'error', 'invalid_args', 'denied', 'rate_limited', 'unauthenticated'] as const;
export type AuditOutcome = (typeof OUTCOMES)[number];

/** What a caller supplies for one call; ts, seq, prev and mac are added by the log, args bounded by it. */
export interface AuditEvent {
  correlationId: string;
  principal: string | null;
  tool: string;
  outcome: AuditOutcome;
  reason?: string | undefined;
  durationMs: number;
  /** The raw arguments: the log redacts and bounds them. */
  args: unknown;
}

/** A refusal before authentication (401, per-address 429): counted per address, never its arguments. */
export interface RefusalEvent {
  address: string;
  tool: string;
  outcome: AuditOutcome;
  reason: string;
}

export interface AuditSink {
  write(event: AuditEvent): void;
}

export const GENESIS = '0'.repeat(64);
/** No line of the log is ever longer than this (bytes, newline excluded). */
export const LINE_MAX_BYTES = 8192;
export const SEGMENT_NAME = /^(\d{8}T\d{9}Z)-(\d{1,10})-([0-9a-f]{8})\.jsonl$/;
export const INSTANCE_FILE = 'instance-id';
const MAC_SUFFIX = /,"mac":"([0-9a-f]{64})"\}$/;
/** How far back a starting writer looks for the newest closed segment, and how much of each it reads. */
const LINK_SCAN = { segments: 20, tailBytes: 64 * 1024 } as const;
/** Refusal aggregation: window, first-of-window lines per window, addresses tracked at once. */
export const REFUSALS = { windowMs: 60_000, immediatePerWindow: 64, tracked: 256 } as const;

/**
 * When a process started (Linux: field 22 of /proc/<pid>/stat, in clock ticks since boot), so that a
 * reused pid — a restarted container's server is PID 1 again — is not taken for the old writer.
 * undefined where /proc is not available.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return /^\d+$/.test(fields[19] ?? '') ? fields[19] : undefined;
  } catch {
    return undefined;
  }
}

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

export type LineCheck = { ok: true; seq: number; mac: string; record: Record<string, unknown> } | { ok: false; reason: string };

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
  return { ok: true, seq: expectedSeq, mac: match[1], record };
}

/** Checks a line against the prev and seq it claims (its mac still has to verify). */
export function checkClaimed(line: string, key: Secret): LineCheck {
  let claimed: { prev?: unknown; seq?: unknown };
  try {
    claimed = JSON.parse(line) as typeof claimed;
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (typeof claimed?.prev !== 'string' || typeof claimed.seq !== 'number') return { ok: false, reason: 'not an audit record' };
  return checkLine(line, claimed.prev, claimed.seq, key);
}

/** The segment names in `dir`, oldest first (names sort by start time). */
export function listSegments(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((name) => SEGMENT_NAME.test(name)).sort();
}

/** The last complete line of a file, from at most `tailBytes` at its end; null if none. Never throws. */
export function readLastLine(file: string, tailBytes = LINK_SCAN.tailBytes, platform: HostPlatform = hostPlatform): string | null {
  let fd: number | undefined;
  try {
    fd = openNoFollowSync(file, fs.constants.O_RDONLY, undefined, platform);
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, tailBytes);
    if (length === 0) return null;
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end === -1) return null;
    const start = text.lastIndexOf('\n', end - 1);
    if (start === -1 && length < size) return null;
    return text.slice(start + 1, end);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The directory's instance id, created once (atomically: written aside, then hard-linked into place). */
export function readInstanceId(dir: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(dir, INSTANCE_FILE), 'utf8').trim();
    return /^[0-9a-f-]{36}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

function ensureInstanceId(dir: string): string {
  const existing = readInstanceId(dir);
  if (existing) return existing;
  const id = randomUUID();
  const aside = path.join(dir, `.${INSTANCE_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(aside, `${id}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(aside, path.join(dir, INSTANCE_FILE));
    return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = readInstanceId(dir);
    if (!winner) throw new AuditLogError(`Audit log directory ${dir}: ${INSTANCE_FILE} is not a valid instance id; move it aside.`);
    return winner;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

export interface SegmentLink {
  segment: string;
  seq: number;
  mac: string;
}

/** The end record of the newest closed segment in `dir` whose mac verifies; reads only segment tails. */
function newestClosed(dir: string, key: Secret, exclude?: string): SegmentLink | null {
  const names = listSegments(dir).filter((name) => name !== exclude).slice(-LINK_SCAN.segments).reverse();
  for (const name of names) {
    const last = readLastLine(path.join(dir, name));
    if (last === null) continue;
    const check = checkClaimed(last, key);
    if (check.ok && check.record['type'] === 'end') return { segment: name, seq: check.seq, mac: check.mac };
  }
  return null;
}

/** Segment names of this process sort in creation order: each start time is after the last one. */
let lastSegmentMs = 0;

function segmentName(now: Date, writer: string): string {
  lastSegmentMs = Math.max(now.getTime(), lastSegmentMs + 1);
  const stamp = new Date(lastSegmentMs).toISOString().replace(/[-:]/g, '').replace('.', ''); // 20261202T060627123Z
  return `${stamp}-${process.pid}-${writer}.jsonl`;
}

const cap = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max)}…`);

export interface AuditLogOptions {
  dir: string;
  key: Secret;
  /** AUDIT_SEGMENT_MAX_BYTES: roll over to a new segment past this size. */
  maxSegmentBytes?: number;
  transport?: string;
  generatorVersion?: string | undefined;
  /** Tests shorten the refusal window. */
  refusalWindowMs?: number;
}

interface Aggregate {
  address: string;
  outcome: AuditOutcome;
  tool: string;
  reason: string;
  windowStart: number;
  count: number;
  first?: string;
  last?: string;
}

/** The append-only, HMAC-chained writer of this process's segment. */
export class AuditLog implements AuditSink {
  readonly dir: string;
  readonly instanceId: string;
  readonly #key: Secret;
  readonly #maxBytes: number;
  readonly #startInfo: Record<string, unknown>;
  readonly #windowMs: number;
  #file = '';
  #fd: number | null = null;
  #closed = false;
  #prev = GENESIS;
  #seq = 0;
  #bytes = 0;
  readonly #aggregates = new Map<string, Aggregate>();
  #immediateWindow = 0;
  #immediateCount = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onExit = () => this.close();

  private constructor(options: AuditLogOptions, instanceId: string) {
    this.dir = options.dir;
    this.instanceId = instanceId;
    this.#key = options.key;
    this.#maxBytes = options.maxSegmentBytes ?? 64 * 1024 * 1024;
    this.#windowMs = options.refusalWindowMs ?? REFUSALS.windowMs;
    this.#startInfo = {
      instance: instanceId,
      pid: process.pid,
      pidStart: processStartTime(process.pid),
      host: cap(os.hostname(), 255),
      transport: options.transport ?? 'unknown',
      ...(options.generatorVersion ? { generator: cap(options.generatorVersion, 64) } : {}),
    };
  }

  /** The current segment file ('' until the first record: a process that records nothing leaves no file). */
  get file(): string {
    return this.#file;
  }

  static open(options: AuditLogOptions): AuditLog {
    const { dir } = options;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      // EEXIST: a file (not a folder) has the name; ENOTDIR: a file sits where a parent folder should be.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    }
    if (!isDirectory(dir)) {
      throw new AuditLogError(`AUDIT_LOG_DIR ${dir} is not a directory: point AUDIT_LOG_DIR at a folder (default ./logs/audit).`);
    }
    // The folder is checked and writable now (the instance id is written into it); this process's
    // segment is created with its first record, so a process that never records anything (the SDK's
    // short-lived stdio probe) leaves no file behind.
    const log = new AuditLog(options, ensureInstanceId(dir));
    process.once('exit', log.#onExit);
    return log;
  }

  /** Creates a new segment (O_EXCL) and writes its start record. */
  #startSegment(link: SegmentLink | null): void {
    // O_CREAT|O_EXCL never opens an existing entry, a symlink included (POSIX: EEXIST; Windows: CREATE_NEW
    // fails on a reparse point too), so the segment is never a planted link; O_NOFOLLOW is added where it exists.
    const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL } = fs.constants;
    const noFollow = hostPlatform.noFollow ?? 0;
    let fd: number | undefined;
    let name = '';
    for (let attempt = 0; fd === undefined; attempt++) {
      name = segmentName(new Date(), randomBytes(4).toString('hex'));
      try {
        fd = fs.openSync(path.join(this.dir, name), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | noFollow, 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
      }
    }
    fs.fchmodSync(fd, 0o600);
    this.#fd = fd;
    this.#file = path.join(this.dir, name);
    this.#prev = GENESIS;
    this.#seq = 0;
    this.#bytes = 0;
    this.#append({ type: 'start', segment: name, ...this.#startInfo, link });
  }

  /** Signs and appends one record synchronously (rolling over first if the segment is full). */
  #append(record: Record<string, unknown>): void {
    if (this.#closed) throw new AuditLogError('audit log is closed');
    if (this.#fd === null && record['type'] !== 'start') this.#startSegment(newestClosed(this.dir, this.#key));
    let rendered = this.#render(record);
    if (record['type'] !== 'start' && record['type'] !== 'end' && this.#bytes + rendered.bytes.length > this.#maxBytes) {
      this.#rollover();
      rendered = this.#render(record);
    }
    let written = 0;
    while (written < rendered.bytes.length) written += fs.writeSync(this.#fd!, rendered.bytes, written);
    this.#prev = rendered.mac;
    this.#seq += 1;
    this.#bytes += rendered.bytes.length;
  }

  #render(record: Record<string, unknown>): { bytes: Buffer; mac: string } {
    const full: Record<string, unknown> = { ts: new Date().toISOString(), seq: this.#seq + 1, ...record };
    let { line, mac } = formatLine(full, this.#prev, this.#key);
    if (Buffer.byteLength(line, 'utf8') > LINE_MAX_BYTES) {
      // Only caller-supplied text can get here: drop the arguments, then shorten every free-text field.
      const digest = full['argsCut'] ?? (full['args'] === undefined ? undefined : { ...argsDigest(full['args']) });
      const shorter: Record<string, unknown> = { ...full, args: '[arguments omitted: line cap]', argsCut: digest };
      for (const field of ['principal', 'tool', 'reason', 'address', 'correlationId']) {
        if (typeof shorter[field] === 'string') shorter[field] = cap(shorter[field], 64);
      }
      ({ line, mac } = formatLine(shorter, this.#prev, this.#key));
    }
    return { bytes: Buffer.from(`${line}\n`, 'utf8'), mac };
  }

  #writeEnd(reason: 'shutdown' | 'rollover', next?: string): SegmentLink {
    const count = this.#seq; // records before the end record, start included
    this.#append({ type: 'end', reason, count, lastSeq: this.#seq, ...(next ? { next } : {}) });
    return { segment: path.basename(this.#file), seq: this.#seq, mac: this.#prev };
  }

  #rollover(): void {
    const old = this.#fd!;
    const link = this.#writeEnd('rollover');
    fs.closeSync(old);
    this.#fd = null;
    this.#startSegment(link);
  }

  /** Appends one call line synchronously; throws if it cannot be written (callers fail closed). */
  write(event: AuditEvent): void {
    const bounded = boundArgs(event.args);
    this.#append({
      type: 'call',
      correlationId: cap(event.correlationId, 64),
      principal: event.principal === null ? null : cap(event.principal, 256),
      tool: cap(event.tool, 128),
      outcome: event.outcome,
      // An undefined `reason` is left out of the line by canonicalJson (as by JSON.stringify).
      reason: event.reason === undefined ? undefined : cap(event.reason, 256),
      durationMs: event.durationMs,
      args: bounded.args,
      argsCut: bounded.cut,
    });
  }

  /**
   * Records a refusal before authentication without its arguments: the first from an address in a
   * window is written at once (count 1); later ones are counted and written as one line when the
   * window ends (or on close). Addresses past REFUSALS.tracked, and first-of-window lines past
   * REFUSALS.immediatePerWindow, share the address "*". Throws if a line cannot be written.
   */
  refusal(event: RefusalEvent): void {
    const now = Date.now();
    const ts = new Date(now).toISOString();
    if (now - this.#immediateWindow >= this.#windowMs) {
      this.#immediateWindow = now;
      this.#immediateCount = 0;
    }
    let address = cap(event.address, 64);
    if (!this.#aggregates.has(`${address}|${event.outcome}`) && this.#aggregates.size >= REFUSALS.tracked) address = '*';
    const key = `${address}|${event.outcome}`;
    let entry = this.#aggregates.get(key);
    if (entry && now - entry.windowStart >= this.#windowMs) {
      this.#flush(entry);
      this.#aggregates.delete(key);
      entry = undefined;
    }
    const tool = cap(event.tool, 128);
    const reason = cap(event.reason, 256);
    if (!entry) {
      entry = { address, outcome: event.outcome, tool, reason, windowStart: now, count: 0 };
      this.#aggregates.set(key, entry);
      if (address !== '*' && this.#immediateCount < REFUSALS.immediatePerWindow) {
        this.#immediateCount += 1;
        this.#append({ type: 'refusal', principal: null, address, tool, outcome: event.outcome, reason, count: 1, first: ts, last: ts });
        this.#armTimer();
        return;
      }
    }
    entry.count += 1;
    entry.first ??= ts;
    entry.last = ts;
    entry.tool = tool;
    entry.reason = reason;
    this.#armTimer();
  }

  #flush(entry: Aggregate): void {
    if (entry.count === 0) return;
    const { address, tool, outcome, reason, count, first, last } = entry;
    this.#append({ type: 'refusal', principal: null, address, tool, outcome, reason, count, first, last });
    entry.count = 0;
  }

  /** Writes the counts of windows that have ended; forgets idle addresses. */
  #sweep(all = false): void {
    const now = Date.now();
    for (const [key, entry] of this.#aggregates) {
      if (!all && now - entry.windowStart < this.#windowMs) continue;
      this.#flush(entry);
      this.#aggregates.delete(key);
    }
  }

  #armTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      try {
        this.#sweep();
      } catch {
        /* the next write reports a broken log; a timer must not crash the process */
      }
      if (this.#aggregates.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, Math.max(250, Math.floor(this.#windowMs / 4)));
    this.#timer.unref();
  }

  /** Writes pending refusal counts and the end record, then closes the segment. Idempotent. */
  close(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      this.#sweep(true);
      if (this.#fd !== null) this.#writeEnd('shutdown');
    } finally {
      if (this.#fd !== null) fs.closeSync(this.#fd);
      this.#fd = null;
      this.#closed = true;
      process.removeListener('exit', this.#onExit);
    }
  }
}
