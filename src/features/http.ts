/** The Streamable HTTP transport: one node:http chain of controls, Host/Origin checks, limits, TLS, refusals to start. */
import { servesHttp } from '../options/options.js';
import type { Feature } from './types.js';

export const httpFeature: Feature = {
  id: 'http',
  templateDir: 'transport-http',
  applies: (spec) => servesHttp(spec.transport),
  contributions: (spec) => ({
    dependencies: ['helmet', 'ipaddr.js'],
    scripts: { 'start:http': 'node dist/transports/http.js', 'cert:dev': 'node dist/cli/cert-dev.js' },
    entry: { name: 'http', rank: 2 },
    config: {
      key: 'http',
      module: 'http',
      parse: 'parseHttpConfig',
      type: 'HttpConfig',
      extraArgs: `authNone: ${spec.auth === 'none'}`,
      comment: spec.auth === 'none' ? 'Auth `none`: HTTP may only bind a loopback address.' : undefined,
      doc: `HTTP transport (HOST, PORT, PUBLIC_URL, ALLOWED_HOSTS, ALLOWED_ORIGINS, TLS_*, TRUST_PROXY, HTTP_*${spec.auth === 'none' ? '' : ', AUTH_FAILURE_POINTS'}).`,
      sensitivePaths: "s.tls ? [['TLS_KEY_FILE', s.tls.keyFile]] : []",
    },
    env: [
      {
        comment: [
          'HTTP transport (endpoint POST /mcp, stateless).',
          'HOST/PORT: the bind. A non-loopback HOST (e.g. 0.0.0.0 in a container) also needs PUBLIC_URL (https),',
          'ALLOWED_HOSTS, and TLS (TLS_CERT_FILE + TLS_KEY_FILE) or TRUST_PROXY naming the TLS proxy; the server',
          'refuses to start otherwise.',
        ],
        variables: [
          { name: 'HOST', meaning: 'HTTP bind address; a non-loopback `HOST` needs `PUBLIC_URL`, `ALLOWED_HOSTS` and TLS or `TRUST_PROXY`', default: '`127.0.0.1`', example: '127.0.0.1' },
          { name: 'PORT', meaning: 'HTTP port', default: '`3000`', example: '3000' },
        ],
      },
      {
        comment: ['PUBLIC_URL: the canonical URL clients use for the MCP endpoint (default http://HOST:PORT/mcp).'],
        variables: [
          { name: 'PUBLIC_URL', meaning: 'canonical `https://` URL of the MCP endpoint; required with a non-loopback `HOST`', default: '`http://HOST:PORT/mcp`', example: 'https://mcp.example.com/mcp' },
        ],
      },
      {
        comment: [
          'ALLOWED_HOSTS: Host header values accepted (DNS-rebinding defence); `name` matches name and name:PORT,',
          '`name:port` only that. Default: localhost, 127.0.0.1, [::1]. The PUBLIC_URL\'s host is always accepted.',
        ],
        variables: [
          { name: 'ALLOWED_HOSTS', meaning: '`Host` header values accepted (`name` = name and name:PORT; `name:port` exactly); required with a non-loopback `HOST`', default: 'loopback names', example: 'mcp.example.com' },
        ],
      },
      {
        comment: [
          'ALLOWED_ORIGINS: exact browser origins (scheme://host[:port]) allowed to call, with CORS for exactly',
          'those (never with credentials). Default: none — requests with a foreign Origin are refused (403);',
          "requests without one (non-browser clients) or from the server's own origin (same-origin) pass.",
        ],
        variables: [
          { name: 'ALLOWED_ORIGINS', meaning: 'exact browser origins (`scheme://host[:port]`) accepted, with CORS for exactly those (never credentials)', default: "none: a foreign `Origin` is refused; requests without one, or from the server's own origin, pass", example: 'https://app.example.com,http://localhost:5173' },
        ],
      },
      {
        comment: ['TLS (>= 1.2): PEM files; the cert:dev script makes a self-signed development pair in .secrets/tls/.'],
        variables: [
          { name: 'TLS_CERT_FILE', meaning: 'certificate (PEM) to serve HTTPS (TLS ≥ 1.2); set both TLS files or neither', default: 'unset', example: './.secrets/tls/dev-cert.pem' },
          { name: 'TLS_KEY_FILE', meaning: '**secret.** its private key (PEM); mode 0600, owned by the server\'s user (group/other bits, another owner or a folder others can write stop the server)', default: 'unset', example: './.secrets/tls/dev-key.pem' },
        ],
      },
      {
        comment: [
          'TRUST_PROXY: proxies whose X-Forwarded-For is believed for the per-IP limit: IPs/CIDRs or `loopback`.',
          '`true` (believe anyone) is refused, and so is a range covering public address space: private, loopback,',
          'link-local and unique-local ranges only, or a public proxy\'s single address (/32, /128).',
          'Unset: the socket address is the client (IPv6 counted per /64).',
        ],
        variables: [
          { name: 'TRUST_PROXY', meaning: 'proxies whose `X-Forwarded-For` is believed: IPs/CIDRs or `loopback`; `true` and ranges covering public address space are refused (private, loopback, link-local and unique-local ranges only, or a single public address). Also what lets a non-loopback `HOST` run without TLS (the proxy terminates it)', default: 'unset', example: '10.0.0.5/32' },
        ],
      },
      {
        comment: [
          'Limits: body size (413), header and whole-request receive timeouts, keep-alive idle time, open',
          'connections, and tools/call requests one principal may have running at once (429). Before',
          'authentication each client address (IPv6: its /64) gets 10 x RATE_LIMIT_POINTS requests per window.',
        ],
        variables: [
          { name: 'HTTP_MAX_BODY_BYTES', meaning: 'largest request body (413 above)', default: '`1048576`', example: '1048576' },
          { name: 'HTTP_HEADERS_TIMEOUT_MS', meaning: 'time to receive the request headers', default: '`10000`', example: '10000' },
          { name: 'HTTP_REQUEST_TIMEOUT_MS', meaning: 'time to receive the whole request', default: '`30000`', example: '30000' },
          { name: 'HTTP_KEEP_ALIVE_TIMEOUT_MS', meaning: 'idle time of a keep-alive connection', default: '`5000`', example: '5000' },
          { name: 'HTTP_MAX_CONNECTIONS', meaning: 'open connections', default: '`256`', example: '256' },
          { name: 'HTTP_MAX_CONCURRENT_CALLS', meaning: 'running `tools/call` requests per principal (429 above)', default: '`8`', example: '8' },
        ],
      },
      ...(spec.auth === 'none'
        ? []
        : [
            {
              comment: [
                'AUTH_FAILURE_POINTS: failed authentications one client address (IPv6: its /64) may make per',
                'RATE_LIMIT_WINDOW_SECONDS; past it the address gets 429 before its credential is checked, even a',
                'good one, until the window ends. Many users behind one NAT share that budget: see SECURITY.md.',
              ],
              variables: [
                { name: 'AUTH_FAILURE_POINTS', meaning: 'failed authentications per client address per window before 429 (the address is then refused before any credential is checked)', default: '`20`', example: '20' },
              ],
            },
          ]),
    ],
  }),
};
