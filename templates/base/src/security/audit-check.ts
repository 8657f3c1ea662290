// Verification of the audit log directory (used by `npm run audit:verify`). Guards against undetected
// edits, deletions, insertions, reordering, truncation and foreign segments: each segment's HMAC chain
// and seq continuity, its start record (seq 1, its own file name, this directory's instance id) and end
// record (count and last seq; nothing after it), and the links between segments (a start record's link
// must match the end record of the segment it names). Each segment is one of:
//  - verified: chain intact from start to end record;
//  - open: no end record yet and its writer (pid on this host) is alive;
//  - unclean: no end record and its writer is gone (a crash, or a deleted tail): a warning naming the
//    last good seq; a partial last line (a write cut by a crash) counts here too;
//  - broken: a line that does not verify; the segment and line are named.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Secret } from '../config.js';
import { checkLine, GENESIS, listSegments, processStartTime, readInstanceId, type SegmentLink } from './audit.js';
import { hostPlatform, openNoFollowSync, type HostPlatform } from './platform.js';

export type SegmentStatus = 'verified' | 'open' | 'unclean' | 'broken';

export interface SegmentReport {
  segment: string;
  status: SegmentStatus;
  /** Records that verify, start and end records included. */
  records: number;
  lastSeq: number;
  instance?: string;
  pid?: number;
  host?: string;
  transport?: string;
  started?: string;
  ended?: string;
  link?: SegmentLink | null;
  /** broken: the first bad line (1-based) and why. */
  line?: number;
  reason?: string;
  warnings: string[];
}

export type DirStatus = 'ok' | 'broken' | 'no-records';

export interface DirReport {
  dir: string;
  instance: string | undefined;
  status: DirStatus;
  segments: SegmentReport[];
  records: number;
}

const CHUNK = 1024 * 1024;

/** Is the writer of a segment still running: same host, the pid alive, and (where known) started when it did. */
export function isWriterAlive(pid: number, host: string, pidStart?: string): boolean {
  if (host !== os.hostname()) return false;
  if (pid !== process.pid) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
    }
  }
  const now = processStartTime(pid);
  return pidStart === undefined || now === undefined || now === pidStart;
}

interface Scan extends SegmentReport {
  endMac?: string;
}

/** Verifies one segment file (streamed in chunks). */
export function verifySegment(file: string, key: Secret, expectedInstance: string | undefined, alive = isWriterAlive, platform: HostPlatform = hostPlatform): Scan {
  const name = path.basename(file);
  const report: Scan = { segment: name, status: 'verified', records: 0, lastSeq: 0, warnings: [] };
  const broken = (line: number, reason: string): Scan => Object.assign(report, { status: 'broken' as const, line, reason });
  const fd = openNoFollowSync(file, fs.constants.O_RDONLY, undefined, platform); // a symlink posing as a segment: ELOOP
  let ended = false;
  let pending = '';
  let pidStart: string | undefined;
  try {
    const chunk = Buffer.alloc(CHUNK);
    let prev = GENESIS;
    const decoder = new TextDecoder('utf-8', { fatal: false });
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      pending += decoder.decode(chunk.subarray(0, n), { stream: n > 0 });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const lineNo = report.records + 1;
        if (ended) return broken(lineNo, 'a line after the end record');
        const result = checkLine(line, prev, lineNo, key);
        if (!result.ok) return broken(lineNo, result.reason);
        const record = result.record;
        if (lineNo === 1) {
          if (record['type'] !== 'start') return broken(1, 'the first line is not a start record');
          if (record['segment'] !== name) return broken(1, `the start record names segment ${String(record['segment'])} (renamed or copied file)`);
          report.instance = String(record['instance']);
          if (expectedInstance !== undefined && record['instance'] !== expectedInstance) {
            return broken(1, `written by another instance (${String(record['instance'])}; this directory's is ${expectedInstance})`);
          }
          report.pid = Number(record['pid']);
          pidStart = typeof record['pidStart'] === 'string' ? record['pidStart'] : undefined;
          report.host = String(record['host']);
          report.transport = String(record['transport']);
          report.started = String(record['ts']);
          report.link = (record['link'] ?? null) as SegmentLink | null;
        } else if (record['type'] === 'start') {
          return broken(lineNo, 'a second start record');
        } else if (record['type'] === 'end') {
          if (record['count'] !== lineNo - 1 || record['lastSeq'] !== lineNo - 1) return broken(lineNo, `the end record's count ${String(record['count'])} does not match ${lineNo - 1} records`);
          ended = true;
          report.ended = String(record['ts']);
          report.endMac = result.mac;
        }
        prev = result.mac;
        report.records = lineNo;
        report.lastSeq = lineNo;
      }
      if (n === 0) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (pending !== '') {
    if (ended) return broken(report.records + 1, 'bytes after the end record');
    report.warnings.push(`incomplete line ${report.records + 1} (a write cut short by a crash, or a truncated file)`);
  }
  if (!ended) {
    if (report.records > 0 && report.pid !== undefined && report.host !== undefined && alive(report.pid, report.host, pidStart)) report.status = 'open';
    else {
      report.status = 'unclean';
      report.warnings.push(`ended uncleanly (no end record: a crash, or its tail was removed); last good seq ${report.lastSeq}`);
    }
  }
  return report;
}

/** Verifies every segment in `dir` (or one segment file) and the links between them. */
export function verifyAuditDir(target: string, key: Secret, alive = isWriterAlive, platform: HostPlatform = hostPlatform): DirReport {
  const isFile = fs.existsSync(target) && fs.statSync(target).isFile();
  const dir = isFile ? path.dirname(target) : target;
  const instance = readInstanceId(dir);
  const names = isFile ? [path.basename(target)] : listSegments(dir);
  const scans = names.map((name): Scan => {
    try {
      return verifySegment(path.join(dir, name), key, instance, alive, platform);
    } catch (error) {
      // A symlink (O_NOFOLLOW), a folder or an unreadable file where a segment should be.
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return { segment: name, status: 'broken', records: 0, lastSeq: 0, line: 1, reason: `cannot be read as a segment (${code})`, warnings: [] };
    }
  });
  const byName = new Map(scans.map((scan) => [scan.segment, scan]));
  for (const scan of scans) {
    if (scan.status === 'broken' || !scan.link) continue;
    const target = byName.get(scan.link.segment);
    if (!target) {
      if (!isFile) scan.warnings.push(`links to ${scan.link.segment}, which is not in the directory (removed or archived)`);
      continue;
    }
    if (target.status === 'broken') continue;
    if (target.endMac !== scan.link.mac || target.lastSeq !== scan.link.seq) {
      Object.assign(scan, {
        status: 'broken',
        line: 1,
        reason: `its link to ${target.segment} (end at seq ${scan.link.seq}) does not match that segment (${target.endMac ? `ends at seq ${target.lastSeq}` : `no end record, last good seq ${target.lastSeq}`}): ${target.segment} was altered after this segment started`,
      });
    }
  }
  const segments = scans.map(({ endMac: _endMac, ...rest }) => rest);
  const records = segments.reduce((sum, s) => sum + s.records, 0);
  const status: DirStatus = segments.some((s) => s.status === 'broken') ? 'broken' : records === 0 ? 'no-records' : 'ok';
  return { dir, instance, status, segments, records };
}
