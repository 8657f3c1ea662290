// Files settings: documented defaults, relative FILES_ROOT from the project root (not the working
// directory), and a bad FILES_MAX_BYTES stopping start-up with a message naming it.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { PROJECT_ROOT, randomKey, REQUIRED_TEST_ENV, tempDir } from './helpers.js';

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
