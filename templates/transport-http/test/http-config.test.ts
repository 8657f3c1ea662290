// HTTP settings: each refusal to start (parsed in-process, then the built entry spawned with the
// environment: exit 1 and the variable named), TRUST_PROXY handling and the client address / IPv6
// /64 bucketing the per-IP limit keys on.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseHttpConfig, type HttpConfig } from '../src/config/http.js';
import { clientAddress, ipBucket } from '../src/http/client-ip.js';
import { AUTH_MODE } from '../src/http/select-authenticator.js';
import { PROJECT_ROOT, randomKey, tempDir } from './helpers.js';
import { serverTestEnv } from './feature-env.js';

function parse(env: Record<string, string>, authNone = true): { config: HttpConfig | undefined; problems: string[] } {
  const problems: string[] = [];
  const config = parseHttpConfig(env, { root: tempDir(), problems, authNone });
  return { config, problems };
}

const REMOTE_OK = { HOST: '0.0.0.0', PUBLIC_URL: 'https://mcp.example.com/mcp', ALLOWED_HOSTS: 'mcp.example.com', TRUST_PROXY: '10.0.0.5' };

describe('HTTP config: refusals to start', () => {
  it('defaults to loopback 127.0.0.1:3000 with loopback Host names', () => {
    const { config, problems } = parse({});
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, publicUrl: 'http://127.0.0.1:3000/mcp', allowedOrigins: [], tls: undefined });
    expect(config?.allowedHosts).toEqual(expect.arrayContaining(['localhost:3000', '127.0.0.1:3000', '[::1]:3000']));
  });

  const cases: [string, Record<string, string>, boolean, RegExp][] = [
    ['non-loopback HOST with auth none', { ...REMOTE_OK }, true, /HOST=0\.0\.0\.0 .*auth "none"/],
    ['non-loopback HOST without PUBLIC_URL', { ...REMOTE_OK, PUBLIC_URL: '' }, false, /PUBLIC_URL is required/],
    ['non-loopback HOST without ALLOWED_HOSTS', { ...REMOTE_OK, ALLOWED_HOSTS: '' }, false, /ALLOWED_HOSTS is required/],
    ['non-loopback HOST without TLS or a named proxy', { ...REMOTE_OK, TRUST_PROXY: '' }, false, /TLS is off: set TLS_CERT_FILE and TLS_KEY_FILE, or set TRUST_PROXY/],
    ['TRUST_PROXY=true', { TRUST_PROXY: 'true' }, false, /TRUST_PROXY=true is refused/],
    ['TRUST_PROXY=0.0.0.0/0', { TRUST_PROXY: '0.0.0.0/0' }, false, /TRUST_PROXY=0\.0\.0\.0\/0 trusts every address/],
    ['only TLS_CERT_FILE', { TLS_CERT_FILE: './cert.pem' }, false, /TLS_KEY_FILE is missing/],
    ['only TLS_KEY_FILE', { TLS_KEY_FILE: './key.pem' }, false, /TLS_CERT_FILE is missing/],
    ['unreadable certificate', { TLS_CERT_FILE: './nope-cert.pem', TLS_KEY_FILE: './nope-key.pem' }, false, /TLS_CERT_FILE .* cannot be used \(ENOENT\)/],
    ['a wildcard origin', { ALLOWED_ORIGINS: '*' }, false, /ALLOWED_ORIGINS entry "\*"/],
    ['an origin with a path', { ALLOWED_ORIGINS: 'https://app.example.com/x' }, false, /ALLOWED_ORIGINS entry/],
    ['http PUBLIC_URL on a remote bind', { ...REMOTE_OK, PUBLIC_URL: 'http://mcp.example.com/mcp' }, false, /PUBLIC_URL must be an https:\/\/ URL/],
  ];
  for (const [name, env, authNone, message] of cases) {
    it(`refuses ${name}`, () => {
      const { config, problems } = parse(env, authNone);
      expect(config).toBeUndefined();
      expect(problems.join('\n')).toMatch(message);
    });
  }

  it('accepts a remote bind behind a named proxy with auth', () => {
    const { config, problems } = parse(REMOTE_OK, false);
    expect(problems).toEqual([]);
    expect(config?.allowedHosts).toEqual(expect.arrayContaining(['mcp.example.com', 'mcp.example.com:3000']));
  });

  // The built entry, as the `start:http` script runs it (node directly, with any package manager):
  // exit 1, the variable named, nothing on stdout.
  const entry = path.join(PROJECT_ROOT, 'dist', 'transports', 'http.js');
  const spawnCases: [string, Record<string, string>, string][] = [
    ['TRUST_PROXY=true', { TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    ['TRUST_PROXY covering public space (0.0.0.0/1,128.0.0.0/1)', { TRUST_PROXY: '0.0.0.0/1,128.0.0.0/1' }, 'TRUST_PROXY entry'],
    ['only one TLS file', { TLS_CERT_FILE: './x.pem' }, 'TLS_KEY_FILE'],
    ['unreadable TLS files', { TLS_CERT_FILE: './missing-cert.pem', TLS_KEY_FILE: './missing-key.pem' }, 'TLS_CERT_FILE'],
    ['non-loopback HOST without PUBLIC_URL/ALLOWED_HOSTS/TLS', { HOST: '0.0.0.0' }, 'PUBLIC_URL'],
    ['non-loopback HOST without TLS', { HOST: '0.0.0.0', PUBLIC_URL: 'https://m.example/mcp', ALLOWED_HOSTS: 'm.example' }, 'TLS_CERT_FILE'],
  ];
  if (AUTH_MODE === 'none') spawnCases.push(['non-loopback HOST with auth none', { HOST: '0.0.0.0', PUBLIC_URL: 'https://m.example/mcp', ALLOWED_HOSTS: 'm.example', TRUST_PROXY: 'loopback' }, 'HOST=0.0.0.0']);
  for (const [name, env, variable] of spawnCases) {
    it(`the built entry exits 1 naming ${variable}: ${name}`, () => {
      const dir = tempDir();
      const result = spawnSync(process.execPath, [entry], {
        // Empty values override anything the project's .env sets for these variables.
        env: { PATH: process.env['PATH'] ?? '', HOST: '', PUBLIC_URL: '', ALLOWED_HOSTS: '', TLS_CERT_FILE: '', TLS_KEY_FILE: '', TRUST_PROXY: '', AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: path.join(dir, 'audit'), ...serverTestEnv(dir), PORT: '0', ...env },
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(variable);
      expect(result.stdout).toBe('');
    });
  }
});

describe('TRUST_PROXY: no range that covers public address space', () => {
  it.each([
    ['two halves of IPv4', '0.0.0.0/1,128.0.0.0/1'],
    ['half of IPv6', '::/1'],
    ['a public /8', '8.0.0.0/8'],
    ['a public /24', '203.0.113.0/24'],
    ['a range wider than a private block', '10.0.0.0/7'],
    ['a public IPv6 /64', '2001:db8:1::/64'],
    ['IPv4-mapped public space', '::ffff:0:0/96'],
  ])('refuses %s (%s), naming TRUST_PROXY and what is allowed', (_name, value) => {
    const { config, problems } = parse({ TRUST_PROXY: value }, false);
    expect(config).toBeUndefined();
    expect(problems.join('\n')).toMatch(/TRUST_PROXY entry ".*" covers public address space.*single public address/);
  });

  it('accepts private, shared, loopback, link-local and unique-local ranges, and single public proxy addresses', () => {
    const { config, problems } = parse({ TRUST_PROXY: '10.0.0.0/8, 172.16.0.0/12, 192.168.1.0/24, 100.64.0.0/10, 169.254.0.0/16, loopback, fd00::/8, fe80::/64, ::ffff:10.0.0.0/104, 203.0.113.7, 198.51.100.9/32, 2001:db8::7/128' }, false);
    expect(problems).toEqual([]);
    expect(config?.trustProxy).toHaveLength(13);
  });
});

describe('TLS_KEY_FILE: a private key only this user controls', () => {
  let certFile: string;
  let keyPem: string;
  beforeAll(() => {
    const dir = tempDir();
    const made = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'cli', 'cert-dev.js'), '--out', dir], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    certFile = path.join(dir, 'dev-cert.pem');
    keyPem = fs.readFileSync(path.join(dir, 'dev-key.pem'), 'utf8');
  });
  /** A copy of the key with `mode`, in a fresh 0700 folder. */
  const keyWithMode = (mode: number): string => {
    const file = path.join(tempDir(), 'key.pem');
    fs.writeFileSync(file, keyPem, { mode: 0o600 });
    fs.chmodSync(file, mode);
    return file;
  };

  it('accepts a 0600 key owned by this user (the control)', () => {
    const { config, problems } = parse({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyWithMode(0o600) }, false);
    expect(problems).toEqual([]);
    expect(config?.tls).toBeDefined();
  });

  it.each(['640', '604', '644', '620'])('refuses a key with mode %s (group or others can read or write it), naming the fix', (mode) => {
    const file = keyWithMode(Number.parseInt(mode, 8));
    const { config, problems } = parse({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: file }, false);
    expect(config).toBeUndefined();
    expect(problems.join('\n')).toMatch(/TLS_KEY_FILE .* readable or writable by group or others .*chmod 600/);
  });

  it('refuses a key in a folder group or others can write', () => {
    const file = keyWithMode(0o600);
    fs.chmodSync(path.dirname(file), 0o777);
    const { config, problems } = parse({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: file }, false);
    expect(config).toBeUndefined();
    expect(problems.join('\n')).toMatch(/TLS_KEY_FILE .*its folder .* writable by group or others/);
  });

  // Making a file another user owns needs root. CI runs this as root; a developer's non-root run skips
  // it (and only it), and under CI=true it is never skipped.
  const asRoot = process.getuid?.() === 0 || process.env['CI'] === 'true';
  it.skipIf(!asRoot)('refuses a 0600 key owned by another user (needs root to chown; skipped otherwise)', () => {
    const file = keyWithMode(0o600);
    fs.chownSync(file, 65534, 65534);
    const { config, problems } = parse({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: file }, false);
    expect(config).toBeUndefined();
    expect(problems.join('\n')).toMatch(/TLS_KEY_FILE .* owned by another user \(uid 65534.*chown/);
  });

  it('the built entry exits 1 naming TLS_KEY_FILE when the key is readable by others', () => {
    const dir = tempDir();
    const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'transports', 'http.js')], {
      // Empty values override anything the project's .env sets for these variables.
      env: { PATH: process.env['PATH'] ?? '', HOST: '', PUBLIC_URL: '', ALLOWED_HOSTS: '', TRUST_PROXY: '', AUDIT_HMAC_KEY: randomKey(), AUDIT_LOG_DIR: path.join(dir, 'audit'), ...serverTestEnv(dir), PORT: '0', TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyWithMode(0o644) },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/TLS_KEY_FILE .* readable or writable by group or others/);
    expect(result.stdout).toBe('');
  });
});

describe('AUTH_FAILURE_POINTS', () => {
  it('defaults to 20 failed authentications per address and window, takes a whole number from 1, and is not read with auth none', () => {
    expect(parse({}, false).config?.authFailurePoints).toBe(20);
    expect(parse({ AUTH_FAILURE_POINTS: '5' }, false).config?.authFailurePoints).toBe(5);
    for (const bad of ['0', '-3', 'lots']) expect(parse({ AUTH_FAILURE_POINTS: bad }, false).problems.join('\n'), bad).toContain('AUTH_FAILURE_POINTS');
    expect(parse({ AUTH_FAILURE_POINTS: '5' }, true).config?.authFailurePoints).toBeUndefined();
  });
});

describe('client address and the per-IP bucket', () => {
  const req = (remote: string, xff?: string) => ({ socket: { remoteAddress: remote }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
  const trust = (value: string) => parse({ TRUST_PROXY: value }).config?.trustProxy ?? [];

  it('ignores X-Forwarded-For unless TRUST_PROXY names the peer', () => {
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), [])).toBe('203.0.113.9');
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), trust('10.0.0.0/8'))).toBe('203.0.113.9');
  });

  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    const proxies = trust('10.0.0.0/8, loopback');
    expect(clientAddress(req('10.0.0.5', '1.2.3.4'), proxies)).toBe('1.2.3.4');
    // a client-supplied (spoofed) left-most entry is not believed: the first untrusted hop wins
    expect(clientAddress(req('10.0.0.5', '9.9.9.9, 198.51.100.7, 10.0.0.6'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('::ffff:127.0.0.1', 'garbage'), proxies)).toBe('127.0.0.1');
  });

  it('reads X-Forwarded-For hops written with a port or in brackets (ip:port, [v6]:port)', () => {
    const proxies = trust('10.0.0.0/8');
    expect(clientAddress(req('10.0.0.5', '1.2.3.4:5678'), proxies)).toBe('1.2.3.4');
    expect(clientAddress(req('10.0.0.5', '[2001:db8::1]:443'), proxies)).toBe('2001:db8::1');
    expect(clientAddress(req('10.0.0.5', '[2001:db8::2]'), proxies)).toBe('2001:db8::2');
    expect(clientAddress(req('10.0.0.5', '198.51.100.7:1, 10.0.0.6:8080'), proxies)).toBe('198.51.100.7');
    // two clients behind the proxy stay two buckets (not the proxy's one)
    expect(ipBucket(clientAddress(req('10.0.0.5', '1.2.3.4:1'), proxies))).not.toBe(ipBucket(clientAddress(req('10.0.0.5', '5.6.7.8:1'), proxies)));
    expect(clientAddress(req('10.0.0.5', '1.2.3.4:99999999'), proxies)).toBe('10.0.0.5'); // garbage: not believed
  });

  it('counts IPv6 clients per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(ipBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:db8:1:2:ffff::9')).toBe(ipBucket('2001:db8:1:2::1'));
    expect(ipBucket('2001:db8:1:3::1')).not.toBe(ipBucket('2001:db8:1:2::1'));
    expect(ipBucket('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });
});
