/**
 * SafeFetcher against a real HTTP(S) server on 127.0.0.1, with an injected resolver (no real DNS).
 * Each test fails if its control is removed: the allowlist, the port rule, scheme and userinfo checks,
 * the literal-address check, the all-answers check, the pin, each redirect re-check, the downgrade
 * rule, the redirect cap, the size and time caps, the content rules and the fixed request headers.
 * `allowLoopbackForTests` (admits 127.0.0.1 only) is passed where a test must reach its own server;
 * tests of address refusals use a fetcher WITHOUT it, exactly as the tool builds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFetchConfig, type FetchConfig } from '../src/config/fetch.js';
import { ToolError } from '../src/security/errors.js';
import { FETCH_USER_AGENT, SafeFetcher, type SafeFetcherOptions } from '../src/security/safe-fetch.js';
import { mapResolver, startFetchTestServer, type CountingResolver, type FetchTestServer } from './fixtures/fetch-server.js';

let srv: FetchTestServer;
let H: string; // http://allowed.test:<port>
beforeAll(async () => {
  srv = await startFetchTestServer();
  H = `http://allowed.test:${srv.httpPort}`;
});
afterAll(async () => srv?.close());

function fetchConfig(hosts: string, extra: Record<string, string> = {}): FetchConfig {
  const problems: string[] = [];
  const config = parseFetchConfig({ FETCH_ALLOWED_HOSTS: hosts, FETCH_TIMEOUT_MS: '3000', ...extra }, { root: '/', problems });
  if (!config) throw new Error(problems.join('; '));
  return config;
}

/** Standard setup: allowed.test and friends resolve to 127.0.0.1, which the test hook admits. */
function setup(opts: { hosts?: string; env?: Record<string, string>; resolver?: CountingResolver; testHook?: boolean } = {}) {
  const resolver =
    opts.resolver ??
    mapResolver({
      'allowed.test': ['127.0.0.1'],
      'other.test': ['127.0.0.1'],
      'plain.test': ['127.0.0.1'],
      'secure.test': ['127.0.0.1'],
      'private.test': ['10.0.0.7'],
      'xn--bcher-kva.test': ['127.0.0.1'],
    });
  const hosts = opts.hosts ?? `allowed.test:${srv.httpPort},secure.test:${srv.httpsPort},private.test:${srv.httpPort},[::ffff:7f00:1]:${srv.httpPort}`;
  const options: SafeFetcherOptions = { resolver, ca: srv.ca };
  if (opts.testHook !== false) options.allowLoopbackForTests = true;
  return { resolver, fetcher: new SafeFetcher(fetchConfig(hosts, opts.env), options) };
}

const never = () => new AbortController().signal;

async function refused(promise: Promise<unknown>, pattern: RegExp): Promise<string> {
  const error = await promise.then(
    () => new Error('expected a refusal, got a page'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolError);
  const message = (error as Error).message;
  expect(message).toMatch(pattern);
  return message;
}

function hitsSince(start: number) {
  return srv.hits.slice(start);
}

describe('allowlist and URL rules', () => {
  it('fetches an allowed host through the pinned address; Host is the name', async () => {
    const { fetcher, resolver } = setup();
    const start = srv.hits.length;
    const page = await fetcher.fetch(`${H}/ok`, never());
    expect(page).toMatchObject({ status: 200, mimeType: 'text/plain', text: 'hello from the test server', truncated: false, url: `${H}/ok` });
    expect(hitsSince(start).map((h) => h.headers.host)).toEqual([`allowed.test:${srv.httpPort}`]);
    expect(resolver.calls).toEqual(['allowed.test']);
  });

  it('refuses hosts not on the allowlist, with no suffix or prefix matching', async () => {
    const { fetcher } = setup();
    const start = srv.hits.length;
    for (const host of ['other.test', 'allowed.test.other.test', 'evilallowed.test', 'test']) {
      await refused(fetcher.fetch(`http://${host}:${srv.httpPort}/ok`, never()), /not in FETCH_ALLOWED_HOSTS/);
    }
    expect(hitsSince(start)).toEqual([]);
  });

  it('an empty FETCH_ALLOWED_HOSTS allows nothing', async () => {
    const { fetcher, resolver } = setup({ hosts: '' });
    await refused(fetcher.fetch(`${H}/ok`, never()), /FETCH_ALLOWED_HOSTS is empty/);
    expect(resolver.calls).toEqual([]);
  });

  it('matches after normalisation: case, trailing dot, IDNA', async () => {
    const { fetcher } = setup({ hosts: `Allowed.TEST.:${srv.httpPort},bücher.test:${srv.httpPort}` });
    const start = srv.hits.length;
    expect((await fetcher.fetch(`http://ALLOWED.test.:${srv.httpPort}/ok`, never())).url).toBe(`${H}/ok`);
    expect((await fetcher.fetch(`http://BÜCHER.test:${srv.httpPort}/ok`, never())).text).toBe('hello from the test server');
    expect(hitsSince(start).map((h) => h.headers.host)).toEqual([`allowed.test:${srv.httpPort}`, `xn--bcher-kva.test:${srv.httpPort}`]);
  });

  it('allows only the port an entry names; an entry without a port allows only 80/443', async () => {
    const { fetcher } = setup({ hosts: `allowed.test:${srv.httpPort},plain.test` });
    const start = srv.hits.length;
    await refused(fetcher.fetch(`http://allowed.test:${srv.httpsPort}/ok`, never()), /not in FETCH_ALLOWED_HOSTS/);
    await refused(fetcher.fetch(`http://plain.test:${srv.httpPort}/ok`, never()), /only port 80 for http and 443 for https/);
    expect(hitsSince(start)).toEqual([]);
  });

  it('refuses schemes other than http and https', async () => {
    const { fetcher } = setup();
    for (const url of ['file:///etc/passwd', `ftp://allowed.test:${srv.httpPort}/`, 'gopher://allowed.test/', 'data:text/plain,hi', 'javascript:alert(1)', `ws://allowed.test:${srv.httpPort}/`]) {
      await refused(fetcher.fetch(url, never()), /must use http or https/);
    }
  });

  it('refuses credentials in the URL', async () => {
    const { fetcher, resolver } = setup();
    const start = srv.hits.length;
    await refused(fetcher.fetch(`http://user:pass@allowed.test:${srv.httpPort}/ok`, never()), /credentials/);
    await refused(fetcher.fetch(`http://user@allowed.test:${srv.httpPort}/ok`, never()), /credentials/);
    await refused(fetcher.fetch(`http://:pass@allowed.test:${srv.httpPort}/ok`, never()), /credentials/);
    expect(hitsSince(start)).toEqual([]);
    expect(resolver.calls).toEqual([]);
  });

  it('refuses URLs that are not absolute or too long', async () => {
    const { fetcher } = setup();
    await refused(fetcher.fetch('/relative', never()), /not a valid absolute URL/);
    await refused(fetcher.fetch(`${H}/${'a'.repeat(2100)}`, never()), /longer than 2048/);
  });
});

describe('address checks', () => {
  it('refuses IP literals in every spelling the URL parser turns into 127.0.0.1 (no lookup happens for them)', async () => {
    // The allowlist names the loopback literal, and the fetcher has NO test hook: only the address check stops these.
    const { fetcher, resolver } = setup({ hosts: `127.0.0.1:${srv.httpPort}`, testHook: false });
    const start = srv.hits.length;
    for (const host of ['127.0.0.1', '0x7f.1', '2130706433', '0177.0.0.1', '127.1', '0x7f000001', '127.0.1', '0x7F.0.0.1']) {
      const message = await refused(fetcher.fetch(`http://${host}:${srv.httpPort}/ok`, never()), /not public/);
      expect(message).not.toContain('127.0.0.1');
    }
    expect(hitsSince(start)).toEqual([]);
    expect(resolver.calls).toEqual([]);
  });

  it('refuses IPv6 literals: loopback, IPv4-mapped, IPv4-compatible, link-local, unique-local', async () => {
    const p = srv.httpPort;
    const { fetcher } = setup({ hosts: `[::1]:${p},[::ffff:7f00:1]:${p},[::7f00:1]:${p},[fe80::1]:${p},[fd00::1]:${p},[::]:${p}` });
    const start = srv.hits.length;
    // ::ffff:127.0.0.1 would reach the IPv4 server: the test hook admits 127.0.0.1 only, never its mapped form.
    for (const host of ['[::1]', '[::ffff:127.0.0.1]', '[::FFFF:7F00:1]', '[::7f00:1]', '[fe80::1]', '[fd00::1]', '[::]']) {
      await refused(fetcher.fetch(`http://${host}:${p}/ok`, never()), /not public/);
    }
    expect(hitsSince(start)).toEqual([]);
  });

  const BLOCKED = [
    '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.1', // private
    '127.0.0.1', '127.255.255.254', // loopback (this fetcher has no test hook)
    '169.254.169.254', '169.254.0.1', // link-local, cloud metadata
    '0.0.0.0', '0.1.2.3', // unspecified / "this network"
    '100.64.0.1', '100.127.255.254', // CGNAT
    '198.18.0.1', '192.0.2.1', '198.51.100.1', '203.0.113.1', '192.0.0.8', '240.0.0.1', // benchmark, documentation, reserved
    '255.255.255.255', '224.0.0.1', '239.255.255.250', // broadcast, multicast
    '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', 'fec0::1', // IPv6 special
    '::ffff:10.0.0.1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::7f00:1', // mapped / compatible
    '64:ff9b::a9fe:a9fe', '64:ff9b:1::a00:1', '2002:a9fe:a9fe::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:db8::1', // NAT64, 6to4, Teredo, documentation
  ];

  it.each(BLOCKED)('refuses a name that resolves to %s', async (address) => {
    const { fetcher } = setup({ hosts: 'blocked.test', resolver: mapResolver({ 'blocked.test': [address] }), testHook: false, env: { FETCH_TIMEOUT_MS: '1000' } });
    const message = await refused(fetcher.fetch('http://blocked.test/', never()), /not public/);
    expect(message).not.toContain(address);
  });

  it('refuses a name when ANY of its addresses is not public (whatever the order)', async () => {
    const start = srv.hits.length;
    for (const answers of [['127.0.0.1', '192.168.0.10'], ['192.168.0.10', '127.0.0.1'], ['127.0.0.1', '::1']]) {
      const { fetcher } = setup({ resolver: mapResolver({ 'allowed.test': answers }) });
      await refused(fetcher.fetch(`${H}/ok`, never()), /not public/);
    }
    expect(hitsSince(start)).toEqual([]);
  });

  it('pins the vetted address: a rebinding resolver is asked once, the connection uses its first answer', async () => {
    // First answer: the (test-admitted) server; every later answer: the metadata address.
    const resolver = mapResolver({ 'allowed.test': (call) => (call === 1 ? ['127.0.0.1'] : ['169.254.169.254']) });
    const { fetcher } = setup({ resolver });
    const start = srv.hits.length;
    const page = await fetcher.fetch(`${H}/ok`, never());
    expect(page.text).toBe('hello from the test server');
    expect(resolver.calls).toEqual(['allowed.test']); // one resolution for the whole request
    expect(hitsSince(start)).toHaveLength(1);
    // A new request resolves afresh — and is refused, since the name now points at metadata.
    await refused(fetcher.fetch(`${H}/ok`, never()), /not public/);
    expect(resolver.calls).toHaveLength(2);
  });

  it('https: verifies the certificate for the host name while connecting to the pinned address', async () => {
    const { fetcher } = setup();
    const page = await fetcher.fetch(`https://secure.test:${srv.httpsPort}/ok`, never());
    expect(page.text).toBe('hello from the test server');
    // Without the CA the certificate is not trusted: verification is always on.
    const strict = new SafeFetcher(fetchConfig(`secure.test:${srv.httpsPort}`), { resolver: mapResolver({ 'secure.test': ['127.0.0.1'] }), allowLoopbackForTests: true });
    await refused(strict.fetch(`https://secure.test:${srv.httpsPort}/ok`, never()), /could not get the URL \([A-Z_]+\)/);
  });
});

describe('redirects', () => {
  it('follows an allowed redirect and reports the final URL', async () => {
    const { fetcher, resolver } = setup();
    const page = await fetcher.fetch(`${H}/redirect?to=/ok`, never());
    expect(page.url).toBe(`${H}/ok`);
    expect(resolver.calls).toEqual(['allowed.test', 'allowed.test']); // each hop is vetted
  });

  it('refuses a redirect to a host not on the allowlist, without naming it', async () => {
    const { fetcher } = setup();
    const start = srv.hits.length;
    const to = encodeURIComponent(`http://other.test:${srv.httpPort}/ok`);
    const message = await refused(fetcher.fetch(`${H}/redirect?to=${to}`, never()), /redirect 1.*not in FETCH_ALLOWED_HOSTS/);
    expect(message).not.toContain('other.test');
    expect(hitsSince(start).map((h) => h.path)).toEqual(['/redirect']);
  });

  it('refuses a redirect to a private address (by name and by literal)', async () => {
    const { fetcher } = setup();
    const start = srv.hits.length;
    for (const target of [`http://private.test:${srv.httpPort}/ok`, `http://[::ffff:127.0.0.1]:${srv.httpPort}/ok`]) {
      await refused(fetcher.fetch(`${H}/redirect?to=${encodeURIComponent(target)}`, never()), /redirect 1.*not public/);
    }
    expect(hitsSince(start).map((h) => h.path)).toEqual(['/redirect', '/redirect']);
  });

  it('refuses a redirect from https to http', async () => {
    const { fetcher } = setup();
    const start = srv.hits.length;
    const to = encodeURIComponent(`${H}/ok`);
    await refused(fetcher.fetch(`https://secure.test:${srv.httpsPort}/redirect?to=${to}`, never()), /downgrade/);
    expect(hitsSince(start).map((h) => [h.path, h.secure])).toEqual([['/redirect', true]]);
  });

  it('refuses credentials or other schemes in a redirect', async () => {
    const { fetcher } = setup();
    await refused(fetcher.fetch(`${H}/redirect?to=${encodeURIComponent(`http://u:p@allowed.test:${srv.httpPort}/ok`)}`, never()), /credentials/);
    await refused(fetcher.fetch(`${H}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`, never()), /http or https/);
    await refused(fetcher.fetch(`${H}/no-location`, never()), /without a Location/);
  });

  it('caps redirects (a loop stops after FETCH_MAX_REDIRECTS)', async () => {
    const { fetcher } = setup({ env: { FETCH_MAX_REDIRECTS: '3' } });
    const start = srv.hits.length;
    await refused(fetcher.fetch(`${H}/loop`, never()), /more than 3 redirects/);
    expect(hitsSince(start)).toHaveLength(4);
    const { fetcher: none } = setup({ env: { FETCH_MAX_REDIRECTS: '0' } });
    await refused(none.fetch(`${H}/redirect?to=/ok`, never()), /more than 0 redirects/);
  });
});

describe('response limits', () => {
  it('cuts the body at FETCH_MAX_BYTES, drops the connection and marks it truncated', async () => {
    const { fetcher } = setup({ env: { FETCH_MAX_BYTES: '10000' } });
    const page = await fetcher.fetch(`${H}/big`, never());
    expect(page).toMatchObject({ truncated: true, bytes: 10000 });
    expect(page.text).toBe('x'.repeat(10000));
    await srv.bigClosed(); // the endless stream ended because the client hung up
  });

  it('times out after FETCH_TIMEOUT_MS', async () => {
    const { fetcher } = setup({ env: { FETCH_TIMEOUT_MS: '300' } });
    const started = Date.now();
    await refused(fetcher.fetch(`${H}/slow`, never()), /timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("stops when the guard's signal aborts", async () => {
    const { fetcher } = setup({ env: { FETCH_TIMEOUT_MS: '60000' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by client')), 100);
    await expect(fetcher.fetch(`${H}/slow`, controller.signal)).rejects.toThrow('cancelled by client');
  });

  it('refuses non-text, compressed and NUL-bearing responses, and error statuses', async () => {
    const { fetcher } = setup();
    await refused(fetcher.fetch(`${H}/binary`, never()), /image\/png content; only text/);
    await refused(fetcher.fetch(`${H}/gzip`, never()), /compressed/);
    await refused(fetcher.fetch(`${H}/nul`, never()), /binary/);
    await refused(fetcher.fetch(`${H}/missing`, never()), /HTTP 404/);
  });

  it('decodes the declared charset', async () => {
    const { fetcher } = setup();
    expect((await fetcher.fetch(`${H}/latin1`, never())).text).toBe('Grüße');
  });
});

describe('request headers', () => {
  it('sends only fixed headers: no Authorization, no Cookie, a fixed User-Agent', async () => {
    const { fetcher } = setup();
    const page = await fetcher.fetch(`${H}/headers`, never());
    const headers = JSON.parse(page.text) as Record<string, string>;
    expect(Object.keys(headers).sort()).toEqual(['accept', 'accept-encoding', 'connection', 'host', 'user-agent']);
    expect(headers['user-agent']).toBe(FETCH_USER_AGENT);
    expect(headers['accept-encoding']).toBe('identity');
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('cookie');
  });
});
