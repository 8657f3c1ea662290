/**
 * The generator's own dependence on the operating system (docs/platforms.md), each branch tested with
 * the platform passed in: the signals that undo a half-written project, how npm is run without a shell
 * (Windows' npm.cmd needs one), and planned paths that Windows would read differently (drive-relative
 * `C:x`, UNC shares, NTFS streams) refused on every system.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptSignals } from '../../src/cli/signals.js';
import { assertSafeRelativePath, resolveInside } from '../../src/generate/safe-path.js';
import { npmCommand } from '../../src/presets/fetch-package.js';
import { readPresetFiles } from '../../src/presets/preset-files.js';

describe('interrupt signals', () => {
  it('POSIX: SIGINT (130), SIGTERM (143), SIGHUP (129)', () => {
    for (const os of ['linux', 'darwin'] as const) {
      expect(interruptSignals(os)).toEqual([['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]);
    }
  });
  it('Windows adds Ctrl+Break (SIGBREAK), which is how a console asks a process to stop there', () => {
    expect(interruptSignals('win32').map(([signal]) => signal)).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']);
  });
});

describe('running npm without a shell', () => {
  it('uses the npm CLI script that runs this command when npm_execpath names one (every system)', () => {
    expect(npmCommand({ npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js' }, 'linux', '/usr/bin/node')).toEqual({ command: '/usr/bin/node', args: ['/usr/lib/node_modules/npm/bin/npm-cli.js'] });
  });
  it('Windows: never npm.cmd (execFile cannot run it without a shell) — the npm-cli.js beside node.exe', () => {
    expect(npmCommand({}, 'win32', 'C:\\Program Files\\nodejs\\node.exe')).toEqual({
      command: 'C:\\Program Files\\nodejs\\node.exe',
      args: ['C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js'],
    });
  });
  it('POSIX: npm from PATH', () => {
    expect(npmCommand({}, 'darwin', '/usr/local/bin/node')).toEqual({ command: 'npm', args: [] });
  });
});

describe('planned paths mean the same on every system', () => {
  it.each(['C:x', 'C:/x', 'c:\\x', '//host/share/x', '\\\\host\\share\\x', 'notes.txt:stream', 'src/a:b.ts'])('refuses %j', (bad) => {
    expect(() => assertSafeRelativePath(bad)).toThrow(/leave the project folder/);
  });
  it('accepts ordinary paths', () => {
    for (const good of ['src/server.ts', '.github/workflows/ci.yml', '.secrets/dev-api-key']) expect(() => assertSafeRelativePath(good)).not.toThrow();
    expect(resolveInside('/tmp/p', 'src/server.ts')).toBe('/tmp/p/src/server.ts');
  });
});

describe('preset file names', () => {
  it('a name with a colon (a drive-relative path or an NTFS stream on Windows) is refused with a clear message', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'smcp-preset-colon-'));
    try {
      mkdirSync(path.join(dir, 'files', 'src'), { recursive: true });
      writeFileSync(path.join(dir, 'files', 'src', 'notes.txt:stream'), 'x');
      await expect(readPresetFiles(dir, dir, './files', 'acme@1.0.0')).rejects.toThrow('Preset acme@1.0.0: the file name "src/notes.txt:stream" in "files" is not allowed (backslash, colon, NUL, "." or "..").');
      rmSync(path.join(dir, 'files', 'src', 'notes.txt:stream'));
      writeFileSync(path.join(dir, 'files', 'src', 'notes.txt'), 'x');
      expect((await readPresetFiles(dir, dir, './files', 'acme@1.0.0')).length).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
