/**
 * Every project: the guard, audit log, config core, whoami, docs skeletons, CI, Dockerfile — and what
 * every project's shared files start from (core dependencies and scripts, the core variables, ignore
 * rules). Computed here: secure-mcp.json (what later commands read) and the .env line holding a fresh
 * random AUDIT_HMAC_KEY, so a new project starts with no manual step and no shared key.
 */
import { MANIFEST_SCHEMA_VERSION, type Manifest } from '../options/project-spec.js';
import { dockerfileSlots } from './container.js';
import type { Feature } from './types.js';

export const baseFeature: Feature = {
  id: 'base',
  templateDir: 'base',
  applies: () => true,
  contributions: (spec, env) => ({
    slots: dockerfileSlots(spec),
    dependencies: ['@modelcontextprotocol/server', 'pino', 'rate-limiter-flexible', 'zod'],
    devDependencies: ['@modelcontextprotocol/client', '@types/node', 'esbuild', 'fast-check', 'tsx', 'typescript', 'vitest'],
    scripts: {
      // tsc type-checks and compiles src/ → dist/; scripts/bundle.mjs then bundles each `node dist/…` entry (fast cold start).
      build: 'tsc -p tsconfig.build.json && node scripts/bundle.mjs',
      test: 'tsc -p tsconfig.build.json && node scripts/bundle.mjs && vitest run',
      typecheck: 'tsc --noEmit',
      'audit:verify': 'node dist/cli/audit-verify.js',
      // The generator at the version that made this project (its templates match the project's code).
      'new:tool': `npx --yes create-secure-mcp@${env.generatorVersion} add tool`,
    },
    env: [
      {
        comment: [
          "REQUIRED. Key of the audit log's HMAC chain: at least 43 characters of randomness (32 bytes,",
          'base64url). Placeholders and low-entropy keys (repeated or sequential characters) are refused.',
          'Keep it secret; rotating it means starting a new audit log.',
          `Generate: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`,
        ],
        variables: [
          {
            name: 'AUDIT_HMAC_KEY',
            meaning: "**secret.** Key of the audit log's HMAC chain; at least 43 characters (32 random bytes, base64url); low-entropy keys are refused",
            default: 'required; the generator wrote a random one to `.env`',
            example: '',
            live: true,
          },
        ],
      },
      {
        comment: ['Rate limits: points per window, per principal and per (principal, tool).'],
        variables: [
          { name: 'RATE_LIMIT_POINTS', meaning: 'calls allowed per window, per principal and per (principal, tool)', default: '`60`', example: '60' },
          { name: 'RATE_LIMIT_WINDOW_SECONDS', meaning: 'length of the rate-limit window', default: '`60`', example: '60' },
        ],
      },
      {
        comment: ["Cap on any tool result (256 KiB; cut with a visible marker) and on a tool call's duration."],
        variables: [
          { name: 'MAX_TOOL_OUTPUT_BYTES', meaning: 'cap on any tool result; longer output is cut with a visible marker', default: '`262144` (256 KiB)', example: '262144' },
          { name: 'TOOL_TIMEOUT_MS', meaning: 'a tool call running longer is answered with an error', default: '`30000`', example: '30000' },
        ],
      },
      {
        comment: [
          'Audit log: a directory of HMAC-chained JSON-lines segments, one per server process (several',
          'processes write side by side); a segment rolls over past AUDIT_SEGMENT_MAX_BYTES. Check it with the',
          'audit:verify script. (AUDIT_LOG_FILE, the old single-file log, is refused: set AUDIT_LOG_DIR.)',
        ],
        variables: [
          { name: 'AUDIT_LOG_DIR', meaning: 'the audit log directory: one segment file per server process', default: '`./logs/audit`', example: './logs/audit' },
          { name: 'AUDIT_SEGMENT_MAX_BYTES', meaning: 'a segment rolls over into a new, linked one past this size (64 KiB … 1 GiB)', default: '`67108864` (64 MiB)', example: '67108864' },
        ],
      },
      {
        comment: ['Operational log level (stderr): fatal, error, warn, info, debug, trace, silent.'],
        variables: [{ name: 'LOG_LEVEL', meaning: 'operational log level (`fatal` … `trace`, `silent`); the log goes to stderr', default: '`info`', example: 'info' }],
      },
    ],
    dotenv: [
      '# Local settings and secrets of this project. Git-ignored: never commit this file.',
      '# Every variable is documented in .env.example. Created by create-secure-mcp.',
      '',
      "# Key of the audit log's HMAC chain (32 random bytes). Rotating it means starting a new audit log directory.",
      `AUDIT_HMAC_KEY=${env.randomBytes(32).toString('base64url')}`,
    ],
    gitignore: ['# Secrets and local state: never committed.', '.env', '.env.*', '!.env.example', '.secrets/', '*.pem', '*.key', 'logs/', '', '# Build and tool output.', 'node_modules/', 'dist/', 'coverage/', '*.tsbuildinfo'],
    dockerignore: [
      '# Secrets and keys', '.env', '.env.*', '!.env.example', '.secrets', '*.pem', '*.key', '*.crt', 'certs',
      '# Local state (mounted at run time, never baked into the image)', 'logs',
      '# Dependencies and build output (rebuilt inside the image)', 'node_modules', 'dist', 'coverage',
      '# Tooling', '.git', '.github', '.vscode', '.idea', 'npm-debug.log*', 'Dockerfile', '.dockerignore',
    ],
  }),
  computedFiles(spec, env) {
    const manifest: Manifest = { schemaVersion: MANIFEST_SCHEMA_VERSION, generatorVersion: env.generatorVersion, spec, ...(env.preset ? { preset: env.preset } : {}) };
    return [{ path: 'secure-mcp.json', content: `${JSON.stringify(manifest, null, 2)}\n` }];
  },
};
