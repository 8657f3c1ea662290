// The fetch tool's HTTP client. Guards against SSRF and against leaking credentials or resources:
// GET only; every hop (the first URL and each redirect) goes through ssrf.ts — scheme, userinfo,
// allowlist and port, then every resolved address — and connects to the PINNED vetted address through
// a per-request `lookup` hook (Host header and TLS SNI/certificate check still use the host name; no
// connection pool, so no socket from an earlier hop is reused). Redirects are followed by hand, at most
// FETCH_MAX_REDIRECTS, and https → http is refused. Fixed request headers only: no cookies, no
// Authorization, nothing from the caller's request (the tool never sees inbound tokens). The whole call
// is capped in time (FETCH_TIMEOUT_MS and the guard's signal) and the body in size (FETCH_MAX_BYTES).
// Proxy environment variables are not used (plain node:http with its own agent).
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { FetchConfig } from '../config/fetch.js';
import type { Logger } from '../logger.js';
import { ToolError } from './errors.js';
import { decodeText, readCapped, textContentType } from './fetch-content.js';
import { checkUrl, pinnedLookup, systemResolver, vetTarget, type PinnedTarget, type Resolver } from './ssrf.js';

export const FETCH_USER_AGENT = 'create-secure-mcp-fetch/1.0';
const REQUEST_HEADERS = Object.freeze({
  'user-agent': FETCH_USER_AGENT,
  accept: 'text/*, application/json, application/xml;q=0.9, */*;q=0.1',
  'accept-encoding': 'identity',
  connection: 'close',
});
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface FetchResult {
  /** The URL the content came from (after redirects). */
  url: string;
  status: number;
  mimeType: string;
  text: string;
  /** Body bytes read. */
  bytes: number;
  truncated: boolean;
}

export interface SafeFetcherOptions {
  /** Name → addresses. Default: the system resolver. Tests inject a map so no test touches real DNS. */
  resolver?: Resolver;
  /**
   * TEST ONLY: also admit the address 127.0.0.1 (nothing else: not ::1, not 127.0.0.2, not ::ffff:127.0.0.1),
   * so tests can reach their own server. Safe because it is not configuration: no variable maps to it,
   * fetchTools() never passes it, and test/fetch-wiring.test.ts fails if anything under src/ sets it.
   */
  allowLoopbackForTests?: boolean;
  /** TEST ONLY: the CA of the tests' own HTTPS server (certificates are always verified). */
  ca?: string;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'error';
}

export class SafeFetcher {
  readonly #config: FetchConfig;
  readonly #resolver: Resolver;
  readonly #allowLoopbackForTests: boolean;
  readonly #ca: string | undefined;

  constructor(config: FetchConfig, options: SafeFetcherOptions = {}) {
    this.#config = config;
    this.#resolver = options.resolver ?? systemResolver;
    this.#allowLoopbackForTests = options.allowLoopbackForTests === true;
    this.#ca = options.ca;
  }

  /** GETs `rawUrl` under every check; throws ToolError with a client-safe message when refused or failed. */
  async fetch(rawUrl: string, signal: AbortSignal, logger?: Logger): Promise<FetchResult> {
    const { timeoutMs, maxRedirects, allowedHosts } = this.#config;
    // Own controller + timer (AbortSignal.any/timeout sources can be collected early on Node 20).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), controller.abort(new Error('fetch timeout'))), timeoutMs);
    const onCancel = () => controller.abort(signal.reason);
    if (signal.aborted) onCancel();
    else signal.addEventListener('abort', onCancel, { once: true });

    let label = 'the URL';
    try {
      let url = checkUrl(rawUrl, { allowlist: allowedHosts, label });
      for (let hop = 0; ; hop++) {
        const target = await vetTarget(url, {
          resolver: this.#resolver,
          label,
          signal: controller.signal,
          allowLoopbackForTests: this.#allowLoopbackForTests,
          onRefused: (detail) => logger?.warn({ ...detail, hop }, 'fetch refused: non-public address'),
        });
        const res = await this.#request(target, controller.signal);
        const status = res.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          res.destroy();
          const location = res.headers.location;
          if (location === undefined) throw new ToolError(`Fetch failed: the server answered HTTP ${status} without a Location.`);
          if (hop >= maxRedirects) throw new ToolError(`Refused: more than ${maxRedirects} redirects.`);
          label = `the target of redirect ${hop + 1}`;
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            throw new ToolError(`Fetch failed: ${label} is not a valid URL.`);
          }
          if (url.protocol === 'https:' && next.protocol === 'http:') throw new ToolError('Refused: a redirect from https to http (downgrade).');
          logger?.debug({ hop: hop + 1, status }, 'fetch following redirect');
          url = checkUrl(next.href, { allowlist: allowedHosts, label });
          continue;
        }
        if (status < 200 || status > 299) {
          res.destroy();
          throw new ToolError(`Fetch failed: the server answered HTTP ${status}.`);
        }
        let type: { mimeType: string; charset: string };
        try {
          type = textContentType(res);
        } catch (error) {
          res.destroy();
          throw error;
        }
        const { data, truncated } = await readCapped(res, this.#config.maxBytes);
        const text = decodeText(data, type.charset, truncated);
        return { url: url.href, status, mimeType: type.mimeType, text, bytes: data.length, truncated };
      }
    } catch (error) {
      if (timedOut) throw new ToolError(`Fetch timed out after ${timeoutMs} ms.`);
      if (signal.aborted) throw signal.reason;
      if (error instanceof ToolError) throw error;
      logger?.warn({ err: error }, 'fetch failed');
      throw new ToolError(`Fetch failed: could not get ${label} (${errorCode(error)}).`);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onCancel);
    }
  }

  /** One GET to the pinned address; resolves with the response head. */
  #request(target: PinnedTarget, signal: AbortSignal): Promise<IncomingMessage> {
    const { url } = target;
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: 'GET',
      host: target.hostname,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { host: url.host, ...REQUEST_HEADERS },
      lookup: pinnedLookup(target),
      family: target.family,
      agent: false, // a fresh agent: no pooled socket, no proxy from the environment
      signal,
      maxHeaderSize: 16 * 1024,
      insecureHTTPParser: false,
    };
    if (secure) {
      // SNI and the certificate check use the host name, not the pinned address (none for IP literals).
      if (isIP(target.hostname) === 0) options.servername = target.hostname;
      options.minVersion = 'TLSv1.2';
      if (this.#ca !== undefined) options.ca = this.#ca;
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = (secure ? https : http).request(options, resolve);
      req.on('error', reject);
      req.end();
    });
  }
}
