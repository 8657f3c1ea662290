// Files settings: documented defaults, relative FILES_ROOT from the project root (not the working
// directory), a bad FILES_MAX_BYTES stopping start-up with a message naming it, and a FILES_ROOT that
// would hand clients the project's secrets (its root, .env, .secrets/, the audit log) refused.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { PROJECT_ROOT, randomKey, REQUIRED_TEST_ENV, tempDir } from './helpers.js';
import { serverTestEnv } from './feature-env.js';

const load = (env: Record<string, string>) => loadConfig({ ...REQUIRED_TEST_ENV, AUDIT_HMAC_KEY: randomKey(), ...env }, { envFile: null });

describe('files settings', () => {
  test('defaults: ./sandbox of the project root (whatever the cwd) and 1 MiB', () => {
    const cwd = process.cwd();
    process.chdir(tempDir());
    try {
      expect(load({}).files).toEqual({ root: path.join(PROJECT_ROOT, 'sandbox'), maxBytes: 1024 * 1024 });
    } finally {
      process.chdir(cwd);
    }
  });

  test('an absolute FILES_ROOT is kept; FILES_MAX_BYTES is parsed', () => {
    expect(load({ FILES_ROOT: '/srv/docs', FILES_MAX_BYTES: '2048' }).files).toEqual({ root: '/srv/docs', maxBytes: 2048 });
  });

  test.each([['FILES_MAX_BYTES', '3.5'], ['FILES_MAX_BYTES', '0'], ['FILES_MAX_BYTES', String(101 * 1024 * 1024)], ['FILES_ROOT', 'a\0b']])('%s=%j stops start-up with a message naming it', (name, value) => {
    let message = '';
    try {
      load({ [name]: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`^Invalid configuration:\\n  - ${name} `));
  });
});

describe('FILES_ROOT may not expose the project\'s secrets', () => {
  const refusal = (env: Record<string, string>): string => {
    try {
      load(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  test('FILES_ROOT=. (the project root: .env with AUDIT_HMAC_KEY, .secrets/, keys) stops start-up, naming FILES_ROOT and the fix', () => {
    expect(refusal({ FILES_ROOT: '.' })).toMatch(/Point FILES_ROOT at a folder that holds only what clients may read/);
    expect(refusal({ FILES_ROOT: '.' })).toContain(`FILES_ROOT=${PROJECT_ROOT} contains the project root`);
  });

  test('a FILES_ROOT above the project root, or a symlink to it, is refused too', () => {
    expect(refusal({ FILES_ROOT: path.dirname(PROJECT_ROOT) })).toMatch(/FILES_ROOT=.* contains the project root/);
    const link = path.join(tempDir(), 'innocent-looking');
    fs.symlinkSync(PROJECT_ROOT, link);
    expect(refusal({ FILES_ROOT: link })).toMatch(/FILES_ROOT=.* contains the project root/);
  });

  test('FILES_ROOT=.secrets, or a folder inside it, is refused', () => {
    expect(refusal({ FILES_ROOT: '.secrets' })).toContain(`FILES_ROOT=${path.join(PROJECT_ROOT, '.secrets')} contains .secrets/`);
    expect(refusal({ FILES_ROOT: './.secrets/tls' })).toContain(`FILES_ROOT=${path.join(PROJECT_ROOT, '.secrets', 'tls')} lies inside .secrets/`);
  });

  test('a FILES_ROOT that contains AUDIT_LOG_DIR, or lies inside it, is refused', () => {
    const dir = tempDir();
    expect(refusal({ FILES_ROOT: dir, AUDIT_LOG_DIR: path.join(dir, 'logs', 'audit') })).toMatch(/FILES_ROOT=.* contains AUDIT_LOG_DIR/);
    expect(refusal({ FILES_ROOT: path.join(dir, 'logs', 'audit', 'x'), AUDIT_LOG_DIR: path.join(dir, 'logs', 'audit') })).toMatch(/FILES_ROOT=.* lies inside AUDIT_LOG_DIR/);
  });

  test('a FILES_ROOT beside the secrets is accepted (a sibling sharing a prefix is not inside)', () => {
    const dir = tempDir();
    expect(load({ FILES_ROOT: path.join(dir, 'logs-public'), AUDIT_LOG_DIR: path.join(dir, 'logs') }).files.root).toBe(path.join(dir, 'logs-public'));
  });

  test('the built entry exits 1 naming FILES_ROOT when FILES_ROOT=.', () => {
    const dir = tempDir();
    const entry = ['stdio', 'http'].map((name) => path.join(PROJECT_ROOT, 'dist', 'transports', `${name}.js`)).find((file) => fs.existsSync(file));
    expect(entry).toBeDefined();
    const result = spawnSync(process.execPath, [entry as string], {
      env: { PATH: process.env['PATH'] ?? '', ...REQUIRED_TEST_ENV, AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: path.join(dir, 'audit'), ...serverTestEnv(dir), PORT: '0', FILES_ROOT: '.' },
      input: '',
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`FILES_ROOT=${PROJECT_ROOT} contains the project root`);
    expect(result.stdout).toBe('');
  });
});
