// Config: validated at start-up, one message naming each bad variable, never a secret's value,
// relative paths from the project root, .env read without touching process.env (real env wins).
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ConfigError, estimateKeyBits, loadConfig, PROJECT_ROOT as CONFIG_ROOT } from '../src/config.js';
import { featureExposedFolders, featureSensitivePaths } from '../src/config/features.js';
import { createLogger } from '../src/logger.js';
import { PROJECT_ROOT, randomKey, REQUIRED_TEST_ENV, tempDir } from './helpers.js';
import { serverTestEnv } from './feature-env.js';

const load = (env: Record<string, string | undefined>) => loadConfig({ ...REQUIRED_TEST_ENV, ...env }, { envFile: null });
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('defaults', () => {
  test('documented defaults apply; relative paths resolve from the project root, not the cwd', () => {
    const cwd = process.cwd();
    process.chdir(tempDir());
    try {
      const config = load({ AUDIT_HMAC_KEY: randomKey() });
      expect(CONFIG_ROOT).toBe(PROJECT_ROOT);
      expect(config).toMatchObject({
        projectRoot: PROJECT_ROOT,
        localPrincipal: 'local',
        localScopes: undefined,
        rateLimitPoints: 60,
        rateLimitWindowSeconds: 60,
        maxToolOutputBytes: 256 * 1024,
        toolTimeoutMs: 30_000,
        auditLogDir: path.join(PROJECT_ROOT, 'logs', 'audit'),
        auditSegmentMaxBytes: 64 * 1024 * 1024,
        logLevel: 'info',
      });
    } finally {
      process.chdir(cwd);
    }
  });

  test('absolute paths are kept; values are parsed', () => {
    const config = load({ AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: '/var/log/x/audit', RATE_LIMIT_POINTS: '5', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ auditLogDir: '/var/log/x/audit', rateLimitPoints: 5, logLevel: 'debug' });
  });

  test('AUDIT_LOG_FILE (the old single-file log) is refused with a message naming AUDIT_LOG_DIR', () => {
    const message = errorOf(() => load({ AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_FILE: './logs/audit.log' }));
    expect(message).toMatch(/AUDIT_LOG_FILE is no longer supported.*AUDIT_LOG_DIR/);
  });

  test('LOCAL_SCOPES: unset = default grant, empty = none, list = exactly those', () => {
    const key = randomKey();
    expect(load({ AUDIT_HMAC_KEY: key }).localScopes).toBeUndefined();
    expect(load({ AUDIT_HMAC_KEY: key, LOCAL_SCOPES: '' }).localScopes).toEqual([]);
    expect(load({ AUDIT_HMAC_KEY: key, LOCAL_SCOPES: 'files:read, notes:write files:read' }).localScopes).toEqual(['files:read', 'notes:write']);
    expect(errorOf(() => load({ AUDIT_HMAC_KEY: key, LOCAL_SCOPES: 'a"b' }))).toContain('LOCAL_SCOPES');
  });
});

describe('AUDIT_HMAC_KEY', () => {
  test('missing: a clear message naming it', () => {
    const message = errorOf(() => load({}));
    expect(message).toContain('AUDIT_HMAC_KEY is required');
    expect(message).toContain('randomBytes(32)');
  });

  test.each([
    ['too short', 'Zx9-kQ2_pL7vB4nR8sT1'],
    ['a placeholder', 'change-me-to-a-long-random-string-of-44-characters!!'],
    ['a placeholder (secret)', 'my-secret-AUDIT-key-0123456789-abcdefghijklmnop'],
    ['low variety', 'abababababababababababababababababababababababab'],
    ['sequential characters (low entropy)', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'],
    ['a repeated block (low entropy)', 'Xk3_pQ9zLm2RXk3_pQ9zLm2RXk3_pQ9zLm2RXk3_pQ9zLm2R'],
    ['a constant step (low entropy)', 'acegikmoqsuwy02468BDFHJLNPRTVXZbdfhjlnprtvxz13579ACEGIKMOQSUWY'],
  ])('%s is refused without echoing the value', (_name, value) => {
    const message = errorOf(() => load({ AUDIT_HMAC_KEY: value }));
    expect(message).toContain('AUDIT_HMAC_KEY');
    expect(message).not.toContain(value);
    expect(message).not.toContain(value.slice(0, 12));
  });

  test('10,000 generated keys (32 random bytes, base64url) all pass the entropy check', () => {
    let lowest = Infinity;
    for (let i = 0; i < 10_000; i++) {
      const key = randomKey();
      lowest = Math.min(lowest, estimateKeyBits(key));
      load({ AUDIT_HMAC_KEY: key }); // throws on a refused key
    }
    expect(lowest).toBeGreaterThanOrEqual(128);
  });

  test('the key never prints: JSON, inspect, template strings, logs', () => {
    const key = randomKey();
    const config = load({ AUDIT_HMAC_KEY: key });
    expect(config.auditHmacKey.reveal()).toBe(key);
    let logged = '';
    createLogger('info', { write: (s: string) => void (logged += s) }).info({ config }, 'config');
    for (const text of [JSON.stringify(config), inspect(config, { depth: 5 }), `${config.auditHmacKey}`, logged]) {
      expect(text).not.toContain(key);
    }
    expect(logged).toContain('[REDACTED]');
  });
});

describe('other variables', () => {
  test.each([
    ['RATE_LIMIT_POINTS', 'lots'],
    ['RATE_LIMIT_POINTS', '0'],
    ['RATE_LIMIT_WINDOW_SECONDS', '-5'],
    ['MAX_TOOL_OUTPUT_BYTES', '10'],
    ['TOOL_TIMEOUT_MS', '1e9'],
    ['LOG_LEVEL', 'verbose'],
    ['LOCAL_PRINCIPAL', 'bad principal'],
  ])('%s=%s stops start-up with a message naming it', (name, value) => {
    const message = errorOf(() => load({ AUDIT_HMAC_KEY: randomKey(), [name]: value }));
    expect(message).toMatch(new RegExp(`^Invalid configuration:\\n  - ${name} `));
  });

  test('several problems are reported in one message', () => {
    const message = errorOf(() => load({ RATE_LIMIT_POINTS: 'x', LOG_LEVEL: 'loud' }));
    for (const name of ['RATE_LIMIT_POINTS', 'LOG_LEVEL', 'AUDIT_HMAC_KEY']) expect(message).toContain(`- ${name}`);
  });
});

describe('folders tools expose vs. sensitive paths', () => {
  test('each folder a tool exposes is refused when it holds any sensitive path this project declares (audit log, keys, TLS key)', () => {
    const dir = tempDir();
    const env = { AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: path.join(dir, 'logs', 'audit'), ...serverTestEnv(dir) };
    const config = load(env);
    const sensitive = [['AUDIT_LOG_DIR', config.auditLogDir] as const, ...featureSensitivePaths(config)];
    for (const [name] of featureExposedFolders(config)) {
      for (const [what, file] of sensitive) {
        const message = errorOf(() => load({ ...env, [name]: path.dirname(file) }));
        expect(message).toContain(`${name}=${path.dirname(file)} contains`);
        expect(message).toContain(what);
      }
    }
  });
});

describe('.env', () => {
  test('is read without writing into process.env, and the real env wins', () => {
    const dir = tempDir();
    const fileKey = randomKey();
    const envFile = path.join(dir, '.env');
    fs.writeFileSync(envFile, `AUDIT_HMAC_KEY=${fileKey}\nTOOL_TIMEOUT_MS=1234\nLOG_LEVEL=debug\n`);
    const before = { ...process.env };
    const config = loadConfig({ ...REQUIRED_TEST_ENV, LOG_LEVEL: 'warn' }, { envFile, projectRoot: dir });
    expect(config.auditHmacKey.reveal()).toBe(fileKey);
    expect(config.toolTimeoutMs).toBe(1234);
    expect(config.logLevel).toBe('warn');
    expect(config.auditLogDir).toBe(path.join(dir, 'logs', 'audit'));
    expect(process.env).toEqual(before);
  });

  test('defaults to <projectRoot>/.env, and a missing file is fine', () => {
    const dir = tempDir();
    expect(errorOf(() => loadConfig({}, { projectRoot: dir }))).toContain('AUDIT_HMAC_KEY is required');
    fs.writeFileSync(path.join(dir, '.env'), `AUDIT_HMAC_KEY=${randomKey()}\n`);
    expect(loadConfig({ ...REQUIRED_TEST_ENV }, { projectRoot: dir }).projectRoot).toBe(dir);
  });
});
