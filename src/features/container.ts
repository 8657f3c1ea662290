/**
 * What the project's container image runs, decided once from the spec: HTTP when the server
 * authenticates remote callers; otherwise stdio when the project has it; otherwise HTTP on loopback
 * (auth `none` cannot serve other machines, so a published port would be refused anyway). The base
 * feature puts the matching lines into the Dockerfile's slots.
 */
import { servesHttp } from '../options/options.js';
import type { ProjectSpec } from '../options/project-spec.js';
import type { SlotText } from './types.js';

export type ContainerEntry = 'http' | 'stdio' | 'http-loopback';

export function containerEntry(spec: ProjectSpec): ContainerEntry {
  if (servesHttp(spec.transport) && spec.auth !== 'none') return 'http';
  return spec.transport === 'http' ? 'http-loopback' : 'stdio';
}

export function dockerfileSlots(spec: ProjectSpec): SlotText[] {
  const entry = containerEntry(spec);
  const slot = (name: string, lines: readonly string[]): SlotText => ({ file: 'Dockerfile', slot: name, content: lines.join('\n') });
  if (entry === 'http') {
    return [
      slot('about', ['# Container image for this MCP server (Streamable HTTP on port 3000).']),
      slot('run', [
        '# Run:    docker run --rm -p 127.0.0.1:3000:3000 -e AUDIT_HMAC_KEY -e HOST=0.0.0.0 \\',
        '#           -e PUBLIC_URL=https://mcp.example.com/mcp -e ALLOWED_HOSTS=mcp.example.com \\',
        '#           -e TRUST_PROXY=<your TLS proxy\'s address or CIDR> -v "$PWD/logs:/app/logs" my-mcp-server',
        '#         (inside a container HOST must be 0.0.0.0, so the non-loopback rules apply: PUBLIC_URL,',
        '#         ALLOWED_HOSTS, and TLS — TLS_CERT_FILE/TLS_KEY_FILE mounted read-only, or TRUST_PROXY naming',
        '#         the TLS-terminating proxy; the server refuses to start otherwise.)',
        ...(spec.auth === 'api-key'
          ? [
              '#         API keys: mount the folder holding the keys file, read-only, and point API_KEYS_FILE at it',
              '#         (-v "$PWD/keys:/app/keys:ro" -e API_KEYS_FILE=/app/keys/api-keys.json). Not the file alone:',
              '#         the keys script replaces the file on every change, and a single-file mount keeps the old one.',
            ]
          : []),
        '#         (Pass secrets with -e or an',
      ]),
      slot('cmd', ['EXPOSE 3000', 'CMD ["node", "dist/transports/http.js"]']),
    ];
  }
  if (entry === 'stdio') {
    return [
      slot('about', ['# Container image for this MCP server (stdio transport).']),
      slot('run', [
        '# Run:    docker run -i --rm -e AUDIT_HMAC_KEY -v "$PWD/logs:/app/logs" my-mcp-server',
        '#         (-i keeps stdin open: stdio MCP speaks over stdin/stdout. Pass secrets with -e or an',
      ]),
      slot('cmd', [
        ...(servesHttp(spec.transport) ? ['# Auth "none" serves HTTP on loopback only, which a container cannot publish: the image runs stdio.'] : []),
        'CMD ["node", "dist/transports/stdio.js"]',
      ]),
    ];
  }
  return [
    slot('about', ['# Container image for this MCP server (Streamable HTTP, loopback only).']),
    slot('run', [
      '# Run:    docker run --rm --network host -e AUDIT_HMAC_KEY -v "$PWD/logs:/app/logs" my-mcp-server',
      '#         (auth "none" serves HTTP on 127.0.0.1 only, so the container shares the host network.',
      '#         Pass secrets with -e or an',
    ]),
    slot('cmd', [
      '# Auth "none" serves HTTP on loopback only (HOST=127.0.0.1): run with --network host, or regenerate',
      '# with --auth api-key or --auth oauth to serve other machines.',
      'CMD ["node", "dist/transports/http.js"]',
    ]),
  ];
}
