/** The fetch_url tool and its SSRF guard (allowlist, address checks, pinned connections). */
import type { Feature } from './types.js';

export const fetchToolFeature: Feature = {
  id: 'fetch',
  templateDir: 'tool-fetch',
  applies: (spec) => spec.tools.includes('fetch'),
  contributions: () => ({
    dependencies: ['ipaddr.js'],
    config: {
      key: 'fetch',
      module: 'fetch',
      parse: 'parseFetchConfig',
      type: 'FetchConfig',
      doc: "The fetch_url tool's allowlist and caps (FETCH_ALLOWED_HOSTS, FETCH_MAX_BYTES, FETCH_TIMEOUT_MS, FETCH_MAX_REDIRECTS).",
    },
    tools: { module: 'fetch', factory: 'fetchTools' },
    env: [
      {
        comment: [
          'The fetch_url tool. FETCH_ALLOWED_HOSTS: comma list of exact host names (IDN allowed; no wildcards,',
          'no URLs); `host` allows port 80 (http) and 443 (https) only, `host:port` exactly that port.',
          'Empty = nothing is fetched. Whatever is listed, private, loopback, link-local (cloud metadata) and',
          'other non-public addresses are always refused — no setting turns that off.',
          'Caps: body bytes read (1 MiB), whole request incl. DNS and redirects (10 s), redirects followed (3).',
        ],
        variables: [
          { name: 'FETCH_ALLOWED_HOSTS', meaning: 'hosts `fetch_url` may fetch: comma list of exact names; `host` = ports 80/443 only, `host:port` = that port; no wildcards', default: 'empty: nothing allowed', example: '', live: true },
          { name: 'FETCH_MAX_BYTES', meaning: 'body bytes read before the response is cut (marked truncated)', default: '`1048576` (1 MiB)', example: '1048576' },
          { name: 'FETCH_TIMEOUT_MS', meaning: 'time for a whole fetch, DNS and redirects included', default: '`10000`', example: '10000' },
          { name: 'FETCH_MAX_REDIRECTS', meaning: 'redirects followed, each re-checked (0–10)', default: '`3`', example: '3' },
        ],
      },
    ],
  }),
};
