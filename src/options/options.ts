/**
 * The option lists. One list per question drives flag parsing, prompts, `--help`, validation and the
 * generation test matrix, so an option cannot exist in one place and be missing in another.
 */

export interface Choice<V extends string = string> {
  readonly value: V;
  readonly label: string;
  readonly hint: string;
}

export const TRANSPORTS = [
  { value: 'stdio', label: 'stdio', hint: 'launched by a local client (Claude Desktop, IDEs, CLIs)' },
  { value: 'http', label: 'Streamable HTTP', hint: 'a remote server: TLS, auth, DNS-rebinding defence' },
  { value: 'both', label: 'both', hint: 'stdio and Streamable HTTP from one buildServer()' },
] as const satisfies readonly Choice[];

export const AUTHS = [
  { value: 'api-key', label: 'API keys', hint: 'hashed keys, `npm run keys` to create and revoke' },
  { value: 'oauth', label: 'OAuth 2.1', hint: 'resource server: JWTs from your authorization server' },
  { value: 'none', label: 'none', hint: 'loopback only; refuses to start on another address' },
] as const satisfies readonly Choice[];

export const STORAGES = [
  { value: 'sqlite', label: 'SQLite', hint: 'embedded: one file (SQLITE_PATH), nothing to run beside the server' },
  { value: 'postgres', label: 'PostgreSQL', hint: 'a server shared by several instances (DATABASE_URL)' },
  { value: 'none', label: 'none', hint: 'no database' },
] as const satisfies readonly Choice[];

export const RATE_LIMIT_STORES = [
  { value: 'memory', label: 'memory', hint: 'one process' },
  { value: 'redis', label: 'Redis', hint: 'limits shared by several instances (REDIS_URL)' },
] as const satisfies readonly Choice[];

export const PACKAGE_MANAGERS = [
  { value: 'npm', label: 'npm', hint: '' },
  { value: 'pnpm', label: 'pnpm', hint: '' },
  { value: 'yarn', label: 'yarn', hint: '' },
  { value: 'bun', label: 'bun', hint: '' },
] as const satisfies readonly Choice[];

export interface ToolChoice<V extends string = string> extends Choice<V> {
  /** MCP tool names this catalog entry adds (part of the contract, DESIGN.md §4). */
  readonly mcpTools: readonly string[];
  /** Scopes its tools declare. */
  readonly scopes: readonly string[];
  /** The entry needs a storage back-end (refused with `--storage none`). */
  readonly needsStorage: boolean;
}

/** The tool catalog. `whoami` is always present and is not an option. */
export const TOOLS = [
  {
    value: 'files',
    label: 'files',
    hint: 'list_files, read_file inside a sandboxed folder',
    mcpTools: ['list_files', 'read_file'],
    scopes: ['files:read'],
    needsStorage: false,
  },
  {
    value: 'notes',
    label: 'notes',
    hint: 'search_notes, add_note, delete_note: per-user notes in the database',
    mcpTools: ['search_notes', 'add_note', 'delete_note'],
    scopes: ['notes:read', 'notes:write', 'notes:admin'],
    needsStorage: true,
  },
  {
    value: 'fetch',
    label: 'fetch',
    hint: 'fetch_url: GET from allowlisted hosts, SSRF-guarded',
    mcpTools: ['fetch_url'],
    scopes: ['fetch:read'],
    needsStorage: false,
  },
] as const satisfies readonly ToolChoice[];

export type Transport = (typeof TRANSPORTS)[number]['value'];
export type Auth = (typeof AUTHS)[number]['value'];
export type Storage = (typeof STORAGES)[number]['value'];
export type RateLimitStore = (typeof RATE_LIMIT_STORES)[number]['value'];
export type PackageManager = (typeof PACKAGE_MANAGERS)[number]['value'];
export type ToolName = (typeof TOOLS)[number]['value'];

/** Transports that serve HTTP: auth and the shared rate-limit store only apply to them. */
export function servesHttp(transport: string): boolean {
  return transport === 'http' || transport === 'both';
}

/** The option catalog as one value, so tests can resolve against a catalog of their own. */
export interface Catalog {
  readonly transports: readonly Choice[];
  readonly auths: readonly Choice[];
  readonly storages: readonly Choice[];
  readonly rateLimitStores: readonly Choice[];
  readonly packageManagers: readonly Choice[];
  readonly tools: readonly ToolChoice[];
}

export const CATALOG: Catalog = {
  transports: TRANSPORTS,
  auths: AUTHS,
  storages: STORAGES,
  rateLimitStores: RATE_LIMIT_STORES,
  packageManagers: PACKAGE_MANAGERS,
  tools: TOOLS,
};

/** Defaults of DESIGN.md §3, narrowed to what the catalog offers. */
export const PREFERRED_DEFAULTS = {
  transport: ['both', 'stdio'],
  auth: ['api-key', 'none'],
  storage: ['sqlite', 'none'],
  rateLimitStore: ['memory'],
  /** files,notes; files alone when there is no storage. */
  tools: { withStorage: ['files', 'notes'], withoutStorage: ['files'] },
} as const;

/** The first preferred value the catalog offers, else the catalog's first choice. */
export function pickDefault(choices: readonly Choice[], preferred: readonly string[]): string {
  for (const value of preferred) {
    if (choices.some((c) => c.value === value)) return value;
  }
  const first = choices[0];
  if (!first) throw new Error('empty option list');
  return first.value;
}
