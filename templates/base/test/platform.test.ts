// The security code on other operating systems, proven on this one with the platform faked (passed in
// as a parameter, no global patched): Windows has no O_NOFOLLOW (`flags | undefined` would drop it
// silently), no POSIX modes or owners, and no SIGTERM; macOS has no /proc. Each test fails if the
// branch it names is removed. See SECURITY.md › Operating systems.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Secret } from '../src/config.js';
import { verifyAuditDir, verifySegment } from '../src/security/audit-check.js';
import { AuditLog, readLastLine } from '../src/security/audit.js';
import { exposureProblems, folderProblem, foreignOwner } from '../src/security/file-policy.js';
import { hostPlatform, openNoFollowSync, permissionsNotice, platformFor, shutdownSignals } from '../src/security/platform.js';
import { randomKey, tempDir } from './helpers.js';

const windows = platformFor('win32', {}); // Windows' fs.constants has none of these four
const macos = platformFor('darwin', { O_NOFOLLOW: 0x100, O_NONBLOCK: 0x4, O_NOCTTY: 0x20000, O_DIRECTORY: 0x100000 }, 501);
/** Linux as it would be without O_NOFOLLOW: the explicit check must take over. */
const linuxWithoutNoFollow = { ...hostPlatform, noFollow: undefined };
const posixOnly = process.platform === 'win32' ? test.skip : test;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('what each system offers', () => {
  test('Windows: no O_NOFOLLOW, no modes or owners, no /proc, names ignore case', () => {
    expect(windows).toMatchObject({ noFollow: undefined, nonBlock: 0, noCtty: 0, directory: 0, posixPermissions: false, euid: undefined, procFd: false, caseInsensitiveNames: true });
  });
  test('macOS: O_NOFOLLOW and modes, but no /proc; names ignore case', () => {
    expect(macos).toMatchObject({ noFollow: 0x100, posixPermissions: true, euid: 501, procFd: false, caseInsensitiveNames: true });
  });
  posixOnly('this host (Linux here) has O_NOFOLLOW, so nothing is ever opened through a link at the last component', () => {
    expect(hostPlatform.noFollow).toBe(fs.constants.O_NOFOLLOW);
    expect(typeof hostPlatform.noFollow).toBe('number');
  });
});

describe('the start-up statement where modes and owners cannot be checked', () => {
  test('Windows: one warning naming the system and what to do', () => {
    expect(permissionsNotice(windows)).toMatch(/^file modes and owners are not checked on win32 \(access is decided by ACLs there\): keep \.env, \.secrets\/.*only your account can read/);
  });
  test('Linux and macOS: none (the checks run)', () => {
    expect(permissionsNotice(macos)).toBeUndefined();
    expect(permissionsNotice(platformFor('linux', fs.constants, 1000))).toBeUndefined();
  });
});

describe('shutdown signals', () => {
  test('POSIX: SIGINT and SIGTERM; Windows (SIGTERM never arrives): SIGINT and Ctrl+Break', () => {
    expect(shutdownSignals(macos)).toEqual(['SIGINT', 'SIGTERM']);
    expect(shutdownSignals(windows)).toEqual(['SIGINT', 'SIGBREAK']);
  });
});

describe('opening without following a symlink', () => {
  function linkOut(): { link: string; target: string } {
    const dir = tempDir();
    const target = path.join(dir, 'outside.txt');
    fs.writeFileSync(target, 'SECRET-OUTSIDE');
    const link = path.join(dir, 'link.txt');
    fs.symlinkSync(target, link);
    return { link, target };
  }

  posixOnly('the trap: `O_RDONLY | O_NOFOLLOW` with O_NOFOLLOW undefined (Windows) silently opens through the link', () => {
    const { link } = linkOut();
    const undefinedFlag = (windows.noFollow as unknown as number);
    const fd = fs.openSync(link, fs.constants.O_RDONLY | undefinedFlag);
    expect(fs.readFileSync(fd, 'utf8')).toBe('SECRET-OUTSIDE');
    fs.closeSync(fd);
  });

  posixOnly.each([
    ['with O_NOFOLLOW (this host)', hostPlatform],
    ['without O_NOFOLLOW (Windows faked)', windows],
    ['without O_NOFOLLOW (Linux, flag removed)', linuxWithoutNoFollow],
  ])('%s: a symlink is refused with ELOOP', (_label, platform) => {
    const { link } = linkOut();
    expect(() => openNoFollowSync(link, fs.constants.O_RDONLY, undefined, platform)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });

  posixOnly('without O_NOFOLLOW: a link swapped in between the lstat and the open is refused (dev/ino differ)', () => {
    const { target } = linkOut();
    const file = path.join(path.dirname(target), 'inside.txt');
    fs.writeFileSync(file, 'inside');
    const realOpen = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementationOnce((p, flags, mode) => {
      fs.rmSync(file);
      fs.symlinkSync(target, file); // the race: a link where the checked file was
      return realOpen(p, flags, mode);
    });
    expect(() => openNoFollowSync(file, fs.constants.O_RDONLY, undefined, windows)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });

  test('without O_NOFOLLOW: a regular file opens normally', () => {
    const file = path.join(tempDir(), 'plain.txt');
    fs.writeFileSync(file, 'plain');
    const fd = openNoFollowSync(file, fs.constants.O_RDONLY, undefined, windows);
    expect(fs.readFileSync(fd, 'utf8')).toBe('plain');
    fs.closeSync(fd);
  });
});

describe('the audit log without O_NOFOLLOW (Windows faked)', () => {
  function segmentAndLink(): { dir: string; key: Secret; link: string } {
    const key = new Secret(randomKey());
    const dir = path.join(tempDir(), 'logs', 'audit');
    const log = AuditLog.open({ dir, key });
    log.write({ correlationId: 'id-1', principal: 'local', tool: 'whoami', outcome: 'ok', durationMs: 1, args: {} });
    log.close();
    const link = path.join(dir, `20990101T000000000Z-${process.pid}-abcdef02.jsonl`);
    fs.symlinkSync(log.file, link);
    return { dir, key, link };
  }

  posixOnly('a symlink posing as a segment is broken, not followed', () => {
    const { dir, key, link } = segmentAndLink();
    expect(() => verifySegment(link, key, undefined, () => false, windows)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    const report = verifyAuditDir(dir, key, () => false, windows);
    expect(report.status).toBe('broken');
    expect(report.segments.find((s) => s.segment === path.basename(link))?.reason).toBe('cannot be read as a segment (ELOOP)');
  });

  posixOnly('the link scan at start never reads through a symlink', () => {
    const { link } = segmentAndLink();
    expect(readLastLine(link, undefined, windows)).toBeNull();
    expect(readLastLine(fs.realpathSync(link), undefined, windows)).not.toBeNull(); // the real segment reads
  });
});

describe('owners and modes', () => {
  posixOnly('POSIX: a folder others can write is a problem; Windows: not checked (the notice says so)', () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    expect(folderProblem(dir)).toMatch(/writable by group or others \(mode 777\)/);
    expect(folderProblem(dir, windows)).toBeUndefined();
  });
  test('a file another uid owns: refused on POSIX (macOS faked as uid 501), not checked on Windows', () => {
    expect(foreignOwner(1234, '/x/keys.json', macos)).toMatch(/owned by another user \(uid 1234; this process runs as uid 501\).*chown 501 \/x\/keys\.json/);
    expect(foreignOwner(0, '/x/keys.json', macos)).toBeUndefined(); // root
    expect(foreignOwner(1234, 'C:\\x\\keys.json', windows)).toBeUndefined();
  });
});

describe('a folder a tool exposes that holds secrets, where names ignore case (macOS, Windows)', () => {
  test('a folder spelt .SECRETS is the .secrets folder there: refused; on Linux it is another folder', () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, '.secrets'));
    const exposed = [['EXPOSED_FOLDER', path.join(root, '.SECRETS', 'shared')]] as const;
    const sensitive = [['the .secrets folder', path.join(root, '.secrets')]] as const;
    expect(exposureProblems(exposed, sensitive, path.join(root, 'project'), macos)).toEqual([expect.stringMatching(/^EXPOSED_FOLDER=.* lies inside the \.secrets folder/)]);
    expect(exposureProblems(exposed, sensitive, path.join(root, 'project'), platformFor('linux', fs.constants, 1000))).toEqual([]);
  });
});
