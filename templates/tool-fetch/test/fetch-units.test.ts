// Units of the fetch tool's checks: FETCH_* settings (bad entries stop the server at start-up with a
// message naming the variable; defaults and bounds hold), allowlist matching, the address policy (only
// public unicast passes) and the pinned lookup (answers the vetted address only).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { FETCH_DEFAULTS, parseFetchConfig } from '../src/config/fetch.js';
import { isHostAllowed, parseAllowlistEntry } from '../src/security/host-allowlist.js';
import { checkAddress } from '../src/security/ip-policy.js';
import { pinnedLookup } from '../src/security/ssrf.js';
import { randomKey, REQUIRED_TEST_ENV } from './helpers.js';

function parse(env: Record<string, string>) {
  const problems: string[] = [];
  return { config: parseFetchConfig(env, { root: '/', problems }), problems };
}

describe('FETCH_* configuration', () => {
  it('defaults: nothing allowed, 1 MiB, 10 s, 3 redirects', () => {
    expect(parse({}).config).toEqual({ allowedHosts: [], ...FETCH_DEFAULTS });
    expect(FETCH_DEFAULTS).toEqual({ maxBytes: 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 });
  });

  it('normalises entries (case, trailing dot, IDNA, ports) and drops duplicates', () => {
    expect(parse({ FETCH_ALLOWED_HOSTS: ' Example.COM. , example.com, bücher.test:8443, [2001:DB8::1]:80 ' }).config?.allowedHosts).toEqual([
      { host: 'example.com', port: undefined },
      { host: 'xn--bcher-kva.test', port: 8443 },
      { host: '[2001:db8::1]', port: 80 },
    ]);
  });

  it.each([
    ['*.example.com', /wildcards/],
    ['*', /wildcards/],
    ['https://example.com', /not a URL/],
    ['example.com/path', /not a URL/],
    ['user@example.com', /not a URL/],
    ['example.com:0', /port/],
    ['exa mple.com', /not a URL/],
  ])('refuses the entry %s', (entry, message) => {
    const { config, problems } = parse({ FETCH_ALLOWED_HOSTS: entry });
    expect(config).toBeUndefined();
    expect(problems.join('\n')).toMatch(message);
  });

  it('refuses caps out of bounds, and loadConfig fails fast naming the variable', () => {
    expect(parse({ FETCH_MAX_BYTES: '0' }).problems).toEqual(['FETCH_MAX_BYTES must be between 1 and 16777216']);
    expect(parse({ FETCH_TIMEOUT_MS: 'soon' }).problems).toEqual(['FETCH_TIMEOUT_MS must be a whole number']);
    expect(parse({ FETCH_MAX_REDIRECTS: '11' }).problems).toEqual(['FETCH_MAX_REDIRECTS must be between 0 and 10']);
    const env = { ...REQUIRED_TEST_ENV, AUDIT_HMAC_KEY: randomKey(), FETCH_ALLOWED_HOSTS: 'example.com,*.corp' };
    expect(() => loadConfig(env, { envFile: null })).toThrow(ConfigError);
    expect(() => loadConfig(env, { envFile: null })).toThrow(/FETCH_ALLOWED_HOSTS "\*\.corp": wildcards/);
    expect(loadConfig({ ...env, FETCH_ALLOWED_HOSTS: 'example.com' }, { envFile: null }).fetch.allowedHosts).toEqual([{ host: 'example.com', port: undefined }]);
  });
});

describe('allowlist matching', () => {
  const list = ['example.com', 'api.example.com:8443'].map((e) => parseAllowlistEntry(e)) as { host: string; port: number | undefined }[];
  it.each([
    ['https://example.com/', true],
    ['http://example.com/', true],
    ['https://example.com:443/', true],
    ['http://example.com:443/', false],
    ['https://example.com:8443/', false],
    ['https://api.example.com:8443/', true],
    ['https://api.example.com/', false],
    ['https://sub.example.com/', false],
    ['https://example.com.evil.net/', false],
    ['https://evilexample.com/', false],
  ])('%s → %s', (url, allowed) => {
    expect(isHostAllowed(new URL(url), list)).toBe(allowed);
  });
});

describe('address policy', () => {
  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '2a00:1450:4001::200e'])('admits public %s', (address) => {
    expect(checkAddress(address).ok).toBe(true);
  });

  it.each([
    ['10.1.2.3', 'private'], ['172.20.0.1', 'private'], ['192.168.0.1', 'private'], ['127.0.0.1', 'loopback'], ['169.254.169.254', 'linkLocal'],
    ['224.0.0.1', 'multicast'], ['0.0.0.0', 'unspecified'], ['100.64.0.1', 'carrierGradeNat'], ['198.18.0.1', 'reserved'], ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'], ['::', 'unspecified'], ['fe80::1', 'linkLocal'], ['fc00::1', 'uniqueLocal'], ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'], ['::7f00:1', 'ipv4Compatible'], ['64:ff9b::7f00:1', 'rfc6052'], ['2002:7f00:1::', '6to4'], ['2001::1', 'teredo'],
    ['fe80::1%eth0', 'linkLocal'], ['0x7f.1', 'invalid'], ['2130706433', 'invalid'], ['not-an-ip', 'invalid'],
  ])('refuses %s (%s)', (address, range) => {
    expect(checkAddress(address)).toEqual({ ok: false, range });
  });

  it('the test hook admits exactly 127.0.0.1 and nothing else', () => {
    expect(checkAddress('127.0.0.1', true).ok).toBe(true);
    for (const other of ['127.0.0.2', '::1', '::ffff:127.0.0.1', '10.0.0.1', '169.254.169.254']) expect(checkAddress(other, true).ok).toBe(false);
  });
});

describe('pinned lookup', () => {
  const lookup = pinnedLookup({ url: new URL('https://example.com/'), hostname: 'example.com', address: '93.184.215.14', family: 4 });
  const answer = (hostname: string, options: { all?: boolean }) => {
    const seen: unknown[][] = [];
    lookup(hostname, options, (...args) => seen.push(args));
    return seen;
  };
  it('answers only the vetted address, in both callback forms', () => {
    expect(answer('example.com', {})).toEqual([[null, '93.184.215.14', 4]]);
    expect(answer('example.com', { all: true })).toEqual([[null, [{ address: '93.184.215.14', family: 4 }]]]);
  });
  it('fails for any other name (never a DNS query)', () => {
    const [[error]] = answer('other.example', {}) as [[NodeJS.ErrnoException]];
    expect(error.code).toBe('ERR_SSRF_PIN');
  });
});
