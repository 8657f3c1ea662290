/**
 * --help text, built from the option lists so it can never advertise a value the generator refuses
 * or hide one it accepts.
 */
import { CATALOG, PREFERRED_DEFAULTS, pickDefault, type Choice } from '../options/options.js';

function values(choices: readonly Choice[]): string {
  return choices.map((c) => c.value).join('|');
}

function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
}

export function helpText(version: string): string {
  const c = CATALOG;
  const tools = c.tools.map((t) => `${t.value} (${t.mcpTools.join(', ')})`).join(', ');
  const defaultTools = `${PREFERRED_DEFAULTS.tools.withStorage.join(',')} (${PREFERRED_DEFAULTS.tools.withoutStorage.join(',')} with --storage none)`;
  return `create-secure-mcp ${version}
Scaffold an MCP server that is secure by default.

Usage
  create-secure-mcp [directory] [options]
  npm create secure-mcp@latest [directory] -- [options]
  create-secure-mcp add tool <name> [options]   add a tool to a generated project (add tool --help)
  create-secure-mcp preset init [file]          write a team preset (preset init --help)
  create-secure-mcp check [directory]           review a project against the security checklist (check --help)
  create-secure-mcp update [directory]          bring template fixes into a project made earlier (update --help)

Project
${table([
  ['--name <package-name>', "package name; default: the directory's name"],
  [`--transport <${values(c.transports)}>`, `default ${pickDefault(c.transports, PREFERRED_DEFAULTS.transport)}`],
  [`--auth <${values(c.auths)}>`, `HTTP only; default ${pickDefault(c.auths, PREFERRED_DEFAULTS.auth)}`],
  [`--storage <${values(c.storages)}>`, `default ${pickDefault(c.storages, PREFERRED_DEFAULTS.storage)}`],
  ['--tools <list>', `comma list of ${tools}; default ${defaultTools}; whoami is always there`],
  [`--rate-limit-store <${values(c.rateLimitStores)}>`, `HTTP only; default ${pickDefault(c.rateLimitStores, PREFERRED_DEFAULTS.rateLimitStore)}`],
  ['--preset <file|folder|package>', "a team preset (JSON, a folder with preset.json, a .tgz or an npm package): its"],
  ['', 'options are not asked, its locked options cannot be changed, its files are added'],
])}

Run
${table([
  [`--package-manager <${values(c.packageManagers)}>`, 'default: the one that ran this command'],
  ['--no-install', 'do not install dependencies (nor build)'],
  ['--no-git', 'do not create a git repository'],
  ['--overwrite', 'write into a non-empty directory, replacing the files it generates'],
  ['--dry-run', 'print the files that would be written; write nothing'],
  ['-y, --yes', 'take the default for every open question; never prompt'],
  ['-h, --help', 'show this help'],
  ['-V, --version', 'show the version'],
])}

Without a terminal (CI, pipes) nothing is asked: pass every value as a flag, or --yes.
Exit codes: 0 done, 1 usage error (bad flag, invalid name, non-empty directory),
2 internal error, 130 interrupted.

Examples
  create-secure-mcp my-server --yes
  create-secure-mcp my-server --tools files --no-git
  create-secure-mcp my-server --yes --dry-run
  create-secure-mcp my-server --preset ./acme-preset.json --yes
`;
}

export function presetInitHelpText(version: string): string {
  const c = CATALOG;
  return `create-secure-mcp ${version}
Write a team preset: a JSON file (with $schema, so editors complete and check it) that every project of
the team starts from with --preset. Options it sets are not asked; options it locks cannot be changed.

Usage
  create-secure-mcp preset init [file] [options]      file: default preset.json; never overwritten

Options
${table([
  ['--name <name>', "the preset's name (npm package rules); default: the current folder's name"],
  [`--transport <${values(c.transports)}>`, ''],
  [`--auth <${values(c.auths)}>`, 'HTTP only'],
  [`--storage <${values(c.storages)}>`, ''],
  ['--tools <list>', `comma list of ${c.tools.map((t) => t.value).join(', ')}`],
  [`--rate-limit-store <${values(c.rateLimitStores)}>`, 'HTTP only'],
  [`--package-manager <${values(c.packageManagers)}>`, ''],
  ['--lock <list>', 'options projects may not change, e.g. --lock transport,auth'],
  ['-y, --yes', 'take the default for every option not given; never prompt'],
  ['-h, --help', 'show this help'],
])}

Then add what the team shares: "files" (a folder mirroring project paths: CODEOWNERS, licence headers,
replacements; .hbs files are rendered), "addTool" defaults ({"scopePrefix": "acme", "rateLimitPoints": 30}),
and "allowCoreOverrides": true only to replace security core files (SECURITY.md then lists them).

Examples
  create-secure-mcp preset init acme-preset.json --transport http --auth oauth --yes --lock transport,auth
`;
}

export function addToolHelpText(version: string): string {
  return `create-secure-mcp ${version}
Add a tool to a project made by create-secure-mcp: src/tools/<name>.ts (strict bounded schema, scopes,
annotations, a handler that returns data), its test test/tools/<name>.test.ts, its entry in
src/tools/index.ts and its row in README.md. Nothing is overwritten; a failure or Ctrl-C changes nothing.

Usage
  create-secure-mcp add tool <name> [options]

<name> is snake_case: a lowercase letter, then lowercase letters, digits or _ (at most 64 characters),
not the name of a tool the project or the create-secure-mcp catalog has.

Options
${table([
  ['--description <text>', 'fixed text the model reads (11-500 characters); default from the name'],
  ['--title <text>', 'human-readable name; default from the name (search_tickets: "Search tickets")'],
  ['--scopes <a:b,c:d>', 'scopes a caller must hold, <resource>:<action>; default <last word of the name>:read'],
  ['', "(read-only) or :write (destructive), e.g. search_tickets: tickets:read; a team preset's"],
  ['', 'addTool.scopePrefix goes in front (acme-tickets:read)'],
  ['--read-only | --destructive', 'honest annotations (readOnlyHint / destructiveHint); default --read-only'],
  ['--storage | --no-storage', "a handler on the project's database (not with --storage none); default no"],
  ['--rate-limit-points <n>', "its own per-principal budget per window; default: the team preset's addTool"],
  ['', "rateLimitPoints, else the project's RATE_LIMIT_POINTS"],
  ['--dir <project>', 'the project folder; default: the current folder'],
  ['--dry-run', 'print the files it would add and modify; write nothing'],
  ['-y, --yes', 'take the default for every open value; never prompt'],
  ['-h, --help', 'show this help'],
])}

Without a terminal, pass every value as a flag, or --yes. Exit codes: 0 done, 1 usage error (bad name or
flag, not a generated project), 2 internal error, 130 interrupted.
Templates: a project may replace them with .secure-mcp/templates/tool.ts.hbs and tool.test.ts.hbs
(handlebars, the same helpers, strict).

Examples
  create-secure-mcp add tool search_tickets --yes
  create-secure-mcp add tool purge_drafts --destructive --storage --scopes drafts:write -y
  create-secure-mcp add tool get_weather --yes --dry-run --dir ./my-server
`;
}

export function checkHelpText(version: string): string {
  return `create-secure-mcp ${version}
Review an MCP server project (made by create-secure-mcp or not) against the security checklist: secrets,
config, tool schemas, scopes and annotations, injection, sandbox and SSRF guard, HTTP controls, stdio
hygiene, the audit log, dependencies, the container image and CI workflows. Nothing is written.

Usage
  create-secure-mcp check [directory] [options]      directory: default the current folder

Options
${table([
  ['--json', 'machine-readable report with the stable item ids (SMCP-…)'],
  ['--sarif', 'SARIF 2.1.0, for GitHub code scanning'],
  ['--fail-on <warn|fail>', 'exit 1 on failures (fail, the default) or also on warnings and checks that could not run'],
  ['--url <endpoint>', 'also probe a running server, e.g. http://127.0.0.1:3000/mcp (about 10 bounded requests)'],
  ['--offline', 'no network: the dependency audit reports "could not run"'],
  ['--audit-key <key>', "verify the audit chain with this key (default: AUDIT_HMAC_KEY, else the project's .env)"],
  ['--preset <preset>', "the team preset whose locked options the project must still hold"],
  ['-h, --help', 'show this help'],
])}

Each item is pass, fail, warn, not applicable, or could not run (never counted as a pass).
Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 could not run (no such folder, bad flags).

Examples
  create-secure-mcp check
  create-secure-mcp check ./my-server --sarif > check.sarif
  create-secure-mcp check --url http://127.0.0.1:3000/mcp --fail-on warn
`;
}

export function updateHelpText(version: string): string {
  return `create-secure-mcp ${version}
Bring the template's changes (security fixes above all) into a project made by an earlier version:
the project as its generator and team preset made it, the same project as the target version (and
a newer preset) makes it, and your files are merged three ways. Your own changes stay; files both
changed are merged with git merge-file, overlapping changes are left as <<<<<<< yours / >>>>>>>
markers. Secrets (.env, .secrets/), api-keys.json, data, logs and lockfiles are never touched.
Needs a clean git work tree; the changes are left uncommitted for review, and a failure part-way
changes nothing. A generator version other than this one is fetched with npm pack (--ignore-scripts)
into a temporary folder, removed afterwards; --from gives it instead where no registry has it.

Usage
  create-secure-mcp update [directory] [options]      directory: default the current folder

Options
${table([
  ['--from <folder|tarball>', 'the generator that made the project (the version secure-mcp.json'],
  ['', 'records), instead of fetching it: an npm pack tarball or a folder'],
  ['--to <version>', `the generator version to update to (default: this one, ${version});`],
  ['', 'another is fetched with npm pack; one older than the project is refused'],
  ['--preset <preset>', 'a preset project: its recorded team preset (same content hash), or a'],
  ['', 'newer version of it (same name): its files and locked options then apply'],
  ['--preset-from <preset>', 'the recorded preset, when --preset is newer; without it, an npm'],
  ['', 'package --preset is fetched again as <package>@<recorded version>'],
  ['--set <key>=<value>', 'change an option through the same merge (repeatable): transport, auth,'],
  ['', "storage, tools, rate-limit-store; checked like create's flags and locks"],
  ['--dry-run', 'print what would change; write nothing'],
  ['-y, --yes', 'never prompt (update asks nothing today)'],
  ['-h, --help', 'show this help'],
])}

Exit codes: 0 updated, 1 conflicts to resolve or a usage error (dirty work tree, not a generated
project), 2 a generator version the registry could not supply (pass --from) or an internal error,
130 interrupted.

Examples
  create-secure-mcp update --dry-run
  create-secure-mcp update --from ../create-secure-mcp-0.1.0.tgz
  create-secure-mcp update --preset @acme/mcp-preset@2.0.0
  create-secure-mcp update --preset ./acme-preset-v2 --preset-from ./acme-preset-v1
  create-secure-mcp update --set transport=both --set tools=files,notes,fetch
`;
}
