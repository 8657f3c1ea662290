/**
 * The files several features contribute to, built in code from the features' declared contributions:
 * package.json, .env.example, .env, .gitignore, .dockerignore, src/config/features.ts,
 * src/tools/index.ts, src/resources.ts, test/feature-env.ts, and the README's configuration table. No template holds a
 * conditional about which features are present; each line here comes from a feature that applies.
 */
import { CliError } from '../errors.js';
import type { ConfigSection, Contributions, FeatureId, SlotText } from '../features/types.js';
import type { ProjectSpec } from '../options/project-spec.js';
import { NODE_FLOORS, type NodeFloor, pinnedVersion } from '../project-versions.js';
import type { PackageManagerInfo } from '../package-managers.js';

export interface Contribution {
  readonly feature: FeatureId;
  readonly contributes: Contributions;
}

export interface SharedFile {
  readonly path: string;
  readonly content: string;
  readonly secret?: boolean;
}

export interface SharedOutput {
  readonly files: readonly SharedFile[];
  readonly slots: readonly (SlotText & { readonly feature: FeatureId })[];
}

export function buildSharedFiles(spec: ProjectSpec, contributions: readonly Contribution[], pm: PackageManagerInfo): SharedOutput {
  const slots = contributions.flatMap(({ feature, contributes }) => (contributes.slots ?? []).map((slot) => ({ ...slot, feature })));
  slots.push({ feature: 'base', file: 'README.md', slot: 'env-table', content: envTable(contributions) });
  return {
    files: [
      { path: 'package.json', content: packageJson(spec, contributions, pm) },
      { path: '.env.example', content: envExample(contributions) },
      { path: '.env', content: lines(contributions, 'dotenv'), secret: true },
      { path: '.gitignore', content: lines(contributions, 'gitignore', pm.gitignore) },
      { path: '.dockerignore', content: lines(contributions, 'dockerignore', pm.dockerignore) },
      { path: 'src/config/features.ts', content: configFeatures(contributions) },
      { path: 'src/tools/index.ts', content: toolsIndex(contributions) },
      { path: 'src/resources.ts', content: resourcesModule(contributions) },
      { path: 'test/feature-env.ts', content: testEnv(contributions) },
      ...pm.files,
    ],
    slots,
  };
}

function pinned(name: string, floor: NodeFloor): string {
  const version = pinnedVersion(name, floor);
  if (version === undefined) throw new CliError('INTERNAL', `no pinned version for "${name}" in src/project-versions.ts`);
  return version;
}

function versions(names: Iterable<string>, floor: NodeFloor): Record<string, string> {
  return Object.fromEntries([...new Set(names)].sort().map((name) => [name, pinned(name, floor)]));
}

const SCRIPT_ORDER = ['build', 'start', 'dev', 'test', 'typecheck'];

function packageJson(spec: ProjectSpec, contributions: readonly Contribution[], pm: PackageManagerInfo): string {
  const scripts: Record<string, string> = {};
  for (const { feature, contributes } of contributions) {
    for (const [name, command] of Object.entries(contributes.scripts ?? {})) {
      if (Object.hasOwn(scripts, name)) throw new CliError('INTERNAL', `Two features define the script "${name}" (the second: ${feature}).`);
      scripts[name] = command;
    }
  }
  const entry = contributions
    .map((c) => c.contributes.entry)
    .filter((e) => e !== undefined)
    .sort((a, b) => b.rank - a.rank)[0];
  if (!entry) throw new CliError('INTERNAL', 'No feature provides a server entry point.');
  scripts.start = `node dist/transports/${entry.name}.js`;
  scripts.dev = `tsx watch src/transports/${entry.name}.ts`;
  const rank = (name: string): number => {
    const base = name.split(':')[0] ?? name;
    const index = SCRIPT_ORDER.indexOf(base);
    return index === -1 ? SCRIPT_ORDER.length : index;
  };
  const orderedScripts = Object.fromEntries(Object.entries(scripts).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)));
  const pkg = {
    name: spec.name,
    version: '0.1.0',
    private: true,
    description: 'An MCP server scaffolded by create-secure-mcp',
    type: 'module',
    engines: { node: NODE_FLOORS[spec.nodeFloor].engines },
    ...(pm.packageManagerField ? { packageManager: pm.packageManagerField } : {}),
    scripts: orderedScripts,
    dependencies: versions(contributions.flatMap((c) => c.contributes.dependencies ?? []), spec.nodeFloor),
    devDependencies: versions(contributions.flatMap((c) => c.contributes.devDependencies ?? []), spec.nodeFloor),
    ...pm.allowBuilds(versions(contributions.flatMap((c) => c.contributes.nativeBuilds ?? []), spec.nodeFloor)),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const ENV_HEADER = [
  '# Settings of this MCP server. Copy to .env (git-ignored) or set them in the real environment;',
  '# the real environment wins over .env, and .env is never written into process.env.',
  '# Relative paths resolve from the project root, not from the working directory.',
  '# A bad or missing value stops the server at start-up with a message naming the variable.',
];

function envExample(contributions: readonly Contribution[]): string {
  const blocks = contributions.flatMap((c) => c.contributes.env ?? []).map((group) => [
    ...group.comment.map((line) => `# ${line}`),
    ...group.variables.map((v) => `${v.live ? '' : '# '}${v.name}=${v.example}`),
  ]);
  return `${[ENV_HEADER, ...blocks].map((block) => block.join('\n')).join('\n\n')}\n`;
}

function envTable(contributions: readonly Contribution[]): string {
  const rows = contributions
    .flatMap((c) => c.contributes.env ?? [])
    .flatMap((group) => group.variables)
    .map((v) => `| \`${v.name}\` | ${v.meaning} | ${v.default} |`);
  return ['| variable | meaning | default |', '|---|---|---|', ...rows].join('\n');
}

function lines(contributions: readonly Contribution[], key: 'dotenv' | 'gitignore' | 'dockerignore', extra: readonly string[] = []): string {
  return `${[...contributions.flatMap((c) => c.contributes[key] ?? []), ...extra].join('\n')}\n`;
}

function configFeatures(contributions: readonly Contribution[]): string {
  const sections = contributions.flatMap((c) => (c.contributes.config ? [c.contributes.config] : []));
  const header = [
    "// The settings of this project's features, each parsed by its own module in src/config/ and",
    '// composed here; src/config.ts adds them to the core settings. Guards against a setting read',
    '// anywhere else: every section validates its own variables and reports one problem per bad one.',
    "import type { NamedPath } from '../security/file-policy.js';",
  ];
  if (sections.length === 0) {
    return `${[
      ...header,
      '',
      '/** No feature of this project has settings beyond the core ones in src/config.ts. */',
      'export type FeatureConfig = Record<never, never>;',
      '',
      'export function parseFeatureConfig(_env: Record<string, string | undefined>, _ctx: { root: string; problems: string[] }): FeatureConfig | undefined {',
      '  return {};',
      '}',
      ...namedPathLists(sections),
    ].join('\n')}\n`;
  }
  const imports = sections.map((s) => `import { ${s.parse}, type ${s.type} } from './${s.module}.js';`);
  const fields = sections.flatMap((s) => [`  /** ${s.doc} */`, `  ${s.key}: ${s.type}${s.optional ? ' | undefined' : ''};`]);
  const calls = sections.flatMap((s) => [
    ...(s.comment ? [`  // ${s.comment}`] : []),
    `  const ${s.key} = ${s.parse}(env, ${s.extraArgs ? `{ ...ctx, ${s.extraArgs} }` : 'ctx'});`,
  ]);
  const required = sections.filter((s) => !s.optional).map((s) => ` || ${s.key} === undefined`).join('');
  return `${[
    ...header,
    ...imports,
    '',
    'export interface FeatureConfig {',
    ...fields,
    '}',
    '',
    '/** The feature sections, or undefined after a problem was pushed (config.ts then reports them all). */',
    'export function parseFeatureConfig(env: Record<string, string | undefined>, ctx: { root: string; problems: string[] }): FeatureConfig | undefined {',
    '  const before = ctx.problems.length;',
    ...calls,
    `  if (ctx.problems.length > before${required}) return undefined;`,
    `  return { ${sections.map((s) => s.key).join(', ')} };`,
    '}',
    ...namedPathLists(sections),
  ].join('\n')}\n`;
}

/**
 * featureSensitivePaths and featureExposedFolders: what each section declared (ConfigSection's
 * sensitivePaths and exposedFolders), so src/config.ts can refuse a sandbox that holds a secret without
 * knowing which features exist.
 */
function namedPathLists(sections: readonly ConfigSection[]): string[] {
  const list = (name: string, field: 'sensitivePaths' | 'exposedFolders', doc: string): string[] => {
    const declared = sections.filter((s) => s[field] !== undefined);
    if (declared.length === 0) {
      return ['', `/** ${doc} None in this project. */`, `export function ${name}(_config: FeatureConfig): NamedPath[] {`, '  return [];', '}'];
    }
    return [
      '',
      `/** ${doc} */`,
      `export function ${name}(config: FeatureConfig): NamedPath[] {`,
      '  const paths: NamedPath[] = [];',
      ...declared.flatMap((s) => [
        '  {',
        `    const s = config.${s.key};`,
        `    const declared: NamedPath[] = ${s[field] as string};`,
        '    paths.push(...declared);',
        '  }',
      ]),
      '  return paths;',
      '}',
    ];
  };
  return [
    ...list('featureSensitivePaths', 'sensitivePaths', 'Files and folders of the sections that hold secrets, keys, logs or data, by the variable naming each.'),
    ...list('featureExposedFolders', 'exposedFolders', 'Folders whose content tools hand to clients: none may contain or lie inside a sensitive path.'),
  ];
}

/**
 * Markers of src/tools/index.ts: `create-secure-mcp add tool` inserts a tool's import line above the first
 * and its list entry above the second (src/commands/add-tool.ts). A project whose index lacks them is refused.
 */
export const TOOL_IMPORTS_MARKER = '// create-secure-mcp add tool: imports above this line';
export const TOOL_LIST_MARKER = '// create-secure-mcp add tool: tools above this line';
/** README.md: the line after the tool table (templates/base/README.md.hbs); new rows go above it. */
export const README_TOOL_ROWS_MARKER = '<!-- create-secure-mcp: tool rows above -->';

function toolsIndex(contributions: readonly Contribution[]): string {
  const modules = contributions.flatMap((c) => (c.contributes.tools ? [c.contributes.tools] : []));
  const imports = [
    ...modules.map((m) => `import { ${m.factory} } from './${m.module}.js';`),
    "import { whoami } from './whoami.js';",
  ].sort((a, b) => {
    // By module path, code-point order: the same in every locale (and no ICU start-up cost).
    const [x, y] = [a.split("'")[1] ?? '', b.split("'")[1] ?? ''];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const param = modules.length > 0 ? 'deps' : '_deps';
  return `${[
    '// Tool list. Guards against tools exposed by accident: only what is listed here is registered,',
    '// and every entry goes through the guard in src/security/guard.ts.',
    "import type { Config } from '../config.js';",
    "import type { ToolDefinition } from './define.js';",
    ...imports,
    TOOL_IMPORTS_MARKER,
    '',
    'export interface ToolDeps {',
    '  config: Config;',
    '}',
    '',
    `export function createTools(${param}: ToolDeps): ToolDefinition[] {`,
    '  return [',
    '    whoami,',
    ...modules.map((m) => `    ...${m.factory}(deps.config),`),
    `    ${TOOL_LIST_MARKER}`,
    '  ];',
    '}',
  ].join('\n')}\n`;
}

function resourcesModule(contributions: readonly Contribution[]): string {
  const resources = contributions.flatMap((c) => (c.contributes.resource ? [c.contributes.resource] : []));
  const header = [
    "// Resources this project's features open at start-up, readied before the server serves and closed",
    '// last on shutdown. Guards against a server answering calls before its resources are ready (e.g. a',
    '// database schema not yet migrated) and against a shutdown that leaves a connection or file open.',
    '// Tools reach them only through ctx.resources, never through a module-level handle.',
  ];
  if (resources.length === 0) {
    return `${[
      ...header,
      "import type { Config } from './config.js';",
      "import type { Logger } from './logger.js';",
      '',
      '/** What the features opened: nothing in this project (it has no database). */',
      'export type Resources = Readonly<Record<never, never>>;',
      '',
      'export function openResources(_config: Config, _logger: Logger): Resources {',
      '  return {};',
      '}',
      '',
      '/** Readies every resource before the server serves: nothing to do in this project. */',
      'export async function prepareResources(_resources: Resources): Promise<void> {}',
      '',
      '/** Closes every resource after running calls have finished: nothing to do in this project. */',
      'export async function closeResources(_resources: Resources): Promise<void> {}',
    ].join('\n')}\n`;
  }
  const imports = [
    "import type { Config } from './config.js';",
    "import type { Logger } from './logger.js';",
    ...resources.map((r) => `import { ${r.open} } from './${r.module}.js';`),
    ...resources.map((r) => `import type { ${r.type} } from './${r.typeModule}.js';`),
  ];
  const prepared = resources.filter((r) => r.prepare !== undefined);
  return `${[
    ...header,
    ...imports,
    '',
    'export interface Resources {',
    ...resources.flatMap((r) => [`  /** ${r.doc} */`, `  ${r.key}: ${r.type};`]),
    '}',
    '',
    '/** Opens every resource, synchronously; a failure is a refusal to start. */',
    'export function openResources(config: Config, logger: Logger): Resources {',
    '  return {',
    ...resources.map((r) => `    ${r.key}: ${r.open}(${r.args}),`),
    '  };',
    '}',
    '',
    '/** Readies every resource before the server serves; a rejection is a refusal to start (exit 1). */',
    `export async function prepareResources(${prepared.length > 0 ? 'resources' : '_resources'}: Resources): Promise<void> {`,
    ...prepared.map((r) => `  await resources.${r.key}.${r.prepare}();`),
    '}',
    '',
    '/** Closes every resource, in reverse order of opening, after running calls have finished. */',
    'export async function closeResources(resources: Resources): Promise<void> {',
    ...[...resources].reverse().map((r) => `  await resources.${r.key}.${r.close}();`),
    '}',
  ].join('\n')}\n`;
}

function testEnv(contributions: readonly Contribution[]): string {
  const envs = contributions.flatMap((c) => (c.contributes.testEnv ? [c.contributes.testEnv] : []));
  const imports = [...new Set(envs.flatMap((e) => e.imports ?? []))].sort();
  const required = envs.flatMap((e) => e.required ?? []);
  const setup = envs.flatMap((e) => e.setup ?? []);
  const perServer = envs.flatMap((e) => e.perServer ?? []);
  const entry = (line: string): string => (line.startsWith('//') ? `  ${line}` : `  ${line},`);
  return `${[
    "// Test settings this project's features need (never a secret): test/helpers.ts merges them into",
    '// every config the tests load, so a test never depends on the developer\'s .env.',
    ...imports,
    '',
    '/** Variables this project requires besides AUDIT_HMAC_KEY, with test values: merge them into any env',
    ' *  given to loadConfig with `envFile: null`. */',
    ...(required.length === 0
      ? ['export const REQUIRED_TEST_ENV: Readonly<Record<string, string>> = Object.freeze({});']
      : ['export const REQUIRED_TEST_ENV: Readonly<Record<string, string>> = Object.freeze({', ...required.map(entry), '});']),
    '',
    '/** Settings of one test server whose files live in the fresh temp folder `dir`. */',
    `export function serverTestEnv(${perServer.length > 0 || setup.length > 0 ? 'dir' : '_dir'}: string): Record<string, string> {`,
    ...setup.map((line) => `  ${line}`),
    ...(perServer.length === 0 ? ['  return {};'] : ['  return {', ...perServer.map((line) => `  ${entry(line)}`), '  };']),
    '}',
  ].join('\n')}\n`;
}
