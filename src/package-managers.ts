/**
 * What each package manager needs, as data: the commands a generated project's docs, next steps,
 * Dockerfile and CI workflow show, and the post-steps run. One place, so npm habits (package-lock.json,
 * `npm ci`, `npm run -s`, `--` before script arguments) never leak into a pnpm, yarn or bun project.
 *
 * Checked by running them (Node 20.20, Linux) against generated projects: installs, frozen and production
 * installs, run/runSilent, and the pnpm, yarn and bun steps of the Dockerfile text minus `corepack enable`
 * (test/e2e/package-managers.test.ts keeps the main path honest). Not run here: docker build, the GitHub
 * Actions steps, corepack downloads, and audits against the real registry (this machine's registry
 * mirror answers 405 to every audit request; each audit command was seen to reach its endpoint).
 *
 * Versions (checked 2026-12 on the npm registry):
 * - pnpm 10 (10.34.7): the newest line that runs on Node 20 — pnpm 11 needs Node >= 22.13; pnpm 12 ships
 *   as platform-native executables, an install path not verified here. 10.34.7 rather than 10.34.9: it is
 *   the newest 10.x also published as `@pnpm/exe`, which pnpm 11 (and pnpm/action-setup@v6, which
 *   bootstraps with pnpm 11) downloads when it switches to the version `packageManager` pins.
 * - yarn 4 (4.18.1) through corepack, with `nodeLinker: node-modules` (.yarnrc.yml): Yarn's default
 *   Plug'n'Play has no node_modules, and the project's own tests and every client config start
 *   `node dist/…` directly, which cannot resolve dependencies under PnP. Yarn classic (1.x) is frozen.
 * - bun 1.x (1.4.5), as a package manager only: the server and its tests still run on Node. No
 *   `trustedDependencies` needed: the only dependency with an install script is esbuild (via tsx), which
 *   is on Bun's default trusted list.
 * - corepack is bundled with Node up to 24 (node:20-slim and node:22-slim images have it); from Node 25 on
 *   it must be installed first (`npm install --global corepack`).
 */
import { GITHUB_ACTIONS, usesLine } from './github-actions.js';
import type { PackageManager } from './options/options.js';

/** A file the package manager needs in the generated project (e.g. `.yarnrc.yml`). */
export interface PackageManagerFile {
  readonly path: string;
  readonly content: string;
}

export interface PackageManagerInfo {
  readonly name: PackageManager;
  /** The executable (what the post-steps start, and the first word of every command line here). */
  readonly command: string;
  /** The release a generated project pins (packageManager field, Dockerfile, CI); undefined for npm (Node's own). */
  readonly version: string | undefined;
  /** The lockfile the install writes and CI/Docker installs from. */
  readonly lockfile: string;
  /** package.json `packageManager` (corepack pin), where that is the manager's convention; else undefined. */
  readonly packageManagerField?: string;
  /**
   * Install for development, as arguments (post-step). Lockfile-updating on purpose, also under CI=true,
   * where pnpm and yarn would otherwise refuse to write a lockfile.
   */
  readonly install: readonly string[];
  /** The install a person types (next steps, README). */
  readonly installCommand: string;
  /** Exactly-the-lockfile install, as a shell command line (CI, Dockerfile build stage). */
  readonly frozenInstall: string;
  /** Production dependencies only, from the lockfile, as a shell command line (Dockerfile runtime stage). */
  readonly productionInstall: string;
  /** The command line that runs a package.json script, with its arguments when given. */
  run(script: string, args?: string): string;
  /** As run, but the package manager prints nothing of its own on stdout (`keys create` prints only the key). */
  runSilent(script: string, args?: string): string;
  /** As run, as an argument array for execa (no shell). */
  runArgs(script: string, args?: readonly string[]): string[];
  /** The dependency audit CI runs; exits non-zero on a high or critical advisory. */
  readonly audit: string;
  /** What to tell someone who does not have the package manager. */
  readonly installHint: string;
  /** Files the generated project needs for this manager (add to the plan as computed files). */
  readonly files: readonly PackageManagerFile[];
  /**
   * package.json fields that let exactly these dependencies run their install scripts (native addons),
   * for managers that block install scripts by default; {} when `pinned` is empty or nothing is needed.
   */
  allowBuilds(pinned: Readonly<Record<string, string>>): Record<string, unknown>;
  /** Patterns for .gitignore (the manager's local state; never the lockfile). */
  readonly gitignore: readonly string[];
  /** Patterns for .dockerignore. */
  readonly dockerignore: readonly string[];
  /** Dockerfile text: each value is whole lines, no trailing newline, ready to put in place. */
  readonly docker: {
    /** Puts the manager on PATH (empty for npm). Already included in buildInstall and runtimeInstall. */
    readonly setup: string;
    /** Build stage: manager, manifest + lockfile, every dependency exactly from the lockfile. */
    readonly buildInstall: string;
    /** Runtime stage: manager, manifest + lockfile, production dependencies only, caches removed. */
    readonly runtimeInstall: string;
  };
  /** GitHub Actions text. */
  readonly ci: {
    /** The checkout step (SHA-pinned, credentials not kept), indented at 6 spaces. */
    readonly checkout: string;
    /** Step lines for a `steps:` list indented at 6 spaces: the manager and Node (`${{ matrix.node }}`). */
    readonly setup: string;
    /** The install step's command line. */
    readonly install: string;
    /** The audit step's command line (same as `audit`). */
    readonly audit: string;
    /** The whole audit step (name, explanatory comment, run), indented at 6 spaces. */
    readonly auditStep: string;
    /** Steps that set up Node 24 alone (no matrix, no manager), for jobs that only run npx. */
    readonly setupNodeOnly: string;
    /** The SARIF upload step to code scanning (`if: always()`, file check.sarif), indented at 6 spaces. */
    readonly uploadSarif: string;
  };
}

export const PM_VERSIONS = {
  pnpm: '10.34.7',
  yarn: '4.18.1',
  bun: '1.4.5',
  /** Only for `pnpm audit` in CI: pnpm 10 still calls npm's retired audit endpoints. */
  pnpmAudit: '11.28.10',
} as const;

/** Every action is pinned to a full commit SHA, its tag in a comment (src/github-actions.ts). */
const SETUP_NODE_ONLY = [`      - uses: ${usesLine(GITHUB_ACTIONS.setupNode)}`, '        with:', '          node-version: 24'].join('\n');
const UPLOAD_SARIF = [
  '      - name: Upload the report to code scanning',
  "        if: always() && hashFiles('check.sarif') != ''",
  `        uses: ${usesLine(GITHUB_ACTIONS.uploadSarif)}`,
  '        with:',
  '          sarif_file: check.sarif',
  '          category: create-secure-mcp-check',
].join('\n');

const CHECKOUT = [`      - uses: ${usesLine(GITHUB_ACTIONS.checkout)}`, '        with:', '          persist-credentials: false'].join('\n');

function setupNode(cache: string | undefined): string[] {
  return [
    `      - uses: ${usesLine(GITHUB_ACTIONS.setupNode)}`,
    '        with:',
    '          node-version: ${{ matrix.node }}',
    ...(cache ? [`          cache: ${cache}`] : []),
  ];
}

function auditStep(command: string, comment: readonly string[]): string {
  return ['      - name: Audit dependencies', ...comment.map((line) => `        # ${line}`), `        run: ${command}`].join('\n');
}

/** pnpm, yarn and bun pass everything after the script name to the script; a `--` would reach it too. */
function direct(command: string, prefix: string) {
  return {
    run: (script: string, args?: string) => `${command} run ${script}${args ? ` ${args}` : ''}`,
    runSilent: (script: string, args?: string) => `${prefix} ${script}${args ? ` ${args}` : ''}`,
    runArgs: (script: string, args: readonly string[] = []) => ['run', script, ...args],
  };
}

function npm(): PackageManagerInfo {
  const audit = 'npm audit --audit=true --audit-level=high';
  return {
    name: 'npm',
    command: 'npm',
    version: undefined,
    lockfile: 'package-lock.json',
    install: ['install'],
    installCommand: 'npm install',
    frozenInstall: 'npm ci',
    productionInstall: 'npm ci --omit=dev',
    // npm needs `--` before the script's arguments, or it takes flags like --name for itself.
    run: (script, args) => `npm run ${script}${args ? ` -- ${args}` : ''}`,
    runSilent: (script, args) => `npm run -s ${script}${args ? ` -- ${args}` : ''}`,
    runArgs: (script, args = []) => ['run', script, ...(args.length > 0 ? ['--', ...args] : [])],
    audit,
    installHint: 'npm comes with Node.js (https://nodejs.org).',
    files: [],
    // npm 11 blocks dependency install scripts unless allowScripts names them (pinned: a new version
    // is reviewed again); older npm runs them all and ignores the field.
    allowBuilds: (pinned) => (Object.keys(pinned).length === 0 ? {} : { allowScripts: Object.fromEntries(Object.entries(pinned).map(([name, version]) => [`${name}@${version}`, true])) }),
    gitignore: [],
    dockerignore: [],
    docker: {
      setup: '',
      buildInstall: ['COPY package.json package-lock.json ./', 'RUN npm ci --no-audit --no-fund'].join('\n'),
      runtimeInstall: ['COPY package.json package-lock.json ./', 'RUN npm ci --omit=dev --no-audit --no-fund \\', ' && npm cache clean --force'].join('\n'),
    },
    ci: {
      checkout: CHECKOUT,
      setupNodeOnly: SETUP_NODE_ONLY,
      uploadSarif: UPLOAD_SARIF,
      setup: setupNode('npm').join('\n'),
      install: 'npm ci --no-fund',
      audit,
      auditStep: auditStep(audit, ['Flags are explicit: a project .npmrc may set audit=false for installs.']),
    },
  };
}

function pnpm(): PackageManagerInfo {
  const { pnpm: version, pnpmAudit } = PM_VERSIONS;
  const audit = `npx --yes --package=node@22 --package=pnpm@${pnpmAudit} -- pnpm audit --audit-level high --pm-on-fail=ignore`;
  const setup = 'RUN corepack enable pnpm';
  return {
    name: 'pnpm',
    command: 'pnpm',
    version,
    lockfile: 'pnpm-lock.yaml',
    packageManagerField: `pnpm@${version}`,
    // pnpm defaults to --frozen-lockfile under CI=true, which refuses a missing or stale lockfile.
    install: ['install', '--no-frozen-lockfile'],
    installCommand: 'pnpm install',
    frozenInstall: 'pnpm install --frozen-lockfile',
    productionInstall: 'pnpm install --frozen-lockfile --prod',
    ...direct('pnpm', 'pnpm --silent run'),
    audit,
    installHint: `Enable it with corepack (\`corepack enable pnpm\`, Node 20–24) or install it: \`npm install --global pnpm@${version}\`.`,
    files: [],
    // pnpm 10 runs no dependency build script unless onlyBuiltDependencies names it.
    allowBuilds: (pinned) => (Object.keys(pinned).length === 0 ? {} : { pnpm: { onlyBuiltDependencies: Object.keys(pinned) } }),
    gitignore: [],
    dockerignore: [],
    docker: {
      setup,
      buildInstall: [setup, 'COPY package.json pnpm-lock.yaml ./', 'RUN pnpm install --frozen-lockfile'].join('\n'),
      // The store and corepack's copy of pnpm are only needed to install: not in the image.
      runtimeInstall: [
        setup,
        'COPY package.json pnpm-lock.yaml ./',
        'RUN pnpm install --frozen-lockfile --prod \\',
        ' && rm -rf "$(pnpm store path)" /root/.cache/node/corepack',
      ].join('\n'),
    },
    ci: {
      checkout: CHECKOUT,
      setupNodeOnly: SETUP_NODE_ONLY,
      uploadSarif: UPLOAD_SARIF,
      // action-setup reads the version from package.json "packageManager"; it must run before setup-node's cache.
      setup: [`      - uses: ${usesLine(GITHUB_ACTIONS.pnpmSetup)}`, ...setupNode('pnpm')].join('\n'),
      install: 'pnpm install --frozen-lockfile',
      audit,
      auditStep: auditStep(audit, [
        `pnpm 10 still calls npm's retired audit endpoints (HTTP 410); pnpm ${pnpmAudit.split('.')[0]} uses the bulk advisory`,
        'endpoint but needs Node 22, so npx runs both for this step only. --pm-on-fail=ignore stops it',
        'from switching back to the pnpm that package.json pins. It reads the same pnpm-lock.yaml.',
      ]),
    },
  };
}

function yarn(): PackageManagerInfo {
  const version = PM_VERSIONS.yarn;
  const audit = 'yarn npm audit --recursive --severity high';
  const setup = 'RUN corepack enable yarn';
  return {
    name: 'yarn',
    command: 'yarn',
    version,
    lockfile: 'yarn.lock',
    packageManagerField: `yarn@${version}`,
    // Yarn turns on immutable installs under CI=true, which refuses to create the lockfile.
    install: ['install', '--no-immutable'],
    installCommand: 'yarn install',
    frozenInstall: 'yarn install --immutable',
    // Yarn 4 has no --production install; `workspaces focus` (built in) installs one workspace's
    // production dependencies from yarn.lock. It does not fail on a stale lockfile: the build stage's
    // --immutable install of the same files does.
    productionInstall: 'yarn workspaces focus --all --production',
    // Yarn 4 prints no banner of its own for `yarn run`: the plain form is already silent.
    ...direct('yarn', 'yarn run'),
    audit,
    installHint: `Enable it with corepack: \`corepack enable yarn\` (Node 20–24; it reads the version from package.json). A global Yarn 1 refuses this project.`,
    files: [
      {
        path: '.yarnrc.yml',
        content: [
          '# Yarn settings for this project. node_modules instead of Plug\'n\'Play: the tests, the Dockerfile and',
          '# every MCP client start `node dist/…` directly, which resolves dependencies from node_modules only.',
          'nodeLinker: node-modules',
          '',
        ].join('\n'),
      },
    ],
    // Yarn runs build scripts by default; dependenciesMeta says so explicitly for the native addons.
    allowBuilds: (pinned) => (Object.keys(pinned).length === 0 ? {} : { dependenciesMeta: Object.fromEntries(Object.keys(pinned).map((name) => [name, { built: true }])) }),
    gitignore: ['# Yarn state (the lockfile and .yarnrc.yml are committed)', '.yarn/*', '!.yarn/patches', '!.yarn/releases', '.pnp.*'],
    dockerignore: ['# Yarn install state (rebuilt in the image)', '.yarn/install-state.gz'],
    docker: {
      setup,
      buildInstall: [setup, 'COPY package.json yarn.lock .yarnrc.yml ./', 'RUN yarn install --immutable'].join('\n'),
      runtimeInstall: [
        setup,
        'COPY package.json yarn.lock .yarnrc.yml ./',
        'RUN yarn workspaces focus --all --production \\',
        ' && yarn cache clean --all && rm -rf /root/.cache/node/corepack',
      ].join('\n'),
    },
    ci: {
      checkout: CHECKOUT,
      setupNodeOnly: SETUP_NODE_ONLY,
      uploadSarif: UPLOAD_SARIF,
      // No `cache: yarn`: setup-node would query the runner's global Yarn 1 before corepack is enabled.
      setup: [...setupNode(undefined), '      - name: Enable Yarn (corepack, version from package.json "packageManager")', '        run: corepack enable yarn'].join('\n'),
      install: 'yarn install --immutable',
      audit,
      auditStep: auditStep(audit, ['--recursive: transitive dependencies too, as npm audit does.']),
    },
  };
}

function bun(): PackageManagerInfo {
  const version = PM_VERSIONS.bun;
  const audit = 'bun audit --audit-level=high';
  // Bun from its npm package (the same registry as every dependency, pinned); it installs only:
  // the server, its build and its tests run on Node.
  const setup = `RUN npm install --global --no-audit --no-fund bun@${version}`;
  return {
    name: 'bun',
    command: 'bun',
    version,
    lockfile: 'bun.lock',
    install: ['install'],
    installCommand: 'bun install',
    frozenInstall: 'bun install --frozen-lockfile',
    productionInstall: 'bun install --frozen-lockfile --production',
    // `bun run test`, never `bun test` (Bun's own test runner, not the project's script). `bun run`
    // echoes the command on stderr; --silent drops that too.
    ...direct('bun', 'bun run --silent'),
    audit,
    installHint: `Install it: \`npm install --global bun@${version}\` (or see https://bun.sh).`,
    files: [],
    // bun runs lifecycle scripts only for trustedDependencies.
    allowBuilds: (pinned) => (Object.keys(pinned).length === 0 ? {} : { trustedDependencies: Object.keys(pinned) }),
    gitignore: [],
    dockerignore: [],
    docker: {
      setup,
      buildInstall: [setup, 'COPY package.json bun.lock ./', 'RUN bun install --frozen-lockfile'].join('\n'),
      // The runtime runs node only: bun and its cache leave again in the same layer.
      runtimeInstall: [
        setup,
        'COPY package.json bun.lock ./',
        'RUN bun install --frozen-lockfile --production \\',
        ' && bun pm cache rm && npm uninstall --global bun && npm cache clean --force',
      ].join('\n'),
    },
    ci: {
      checkout: CHECKOUT,
      setupNodeOnly: SETUP_NODE_ONLY,
      uploadSarif: UPLOAD_SARIF,
      setup: [...setupNode(undefined), `      - uses: ${usesLine(GITHUB_ACTIONS.setupBun)}`, '        with:', `          bun-version: ${version}`].join('\n'),
      install: 'bun install --frozen-lockfile',
      audit,
      auditStep: auditStep(audit, ['Bun asks the registry\'s bulk advisory endpoint about every package in bun.lock.']),
    },
  };
}

const INFO: Readonly<Record<PackageManager, PackageManagerInfo>> = { npm: npm(), pnpm: pnpm(), yarn: yarn(), bun: bun() };

export function packageManagerInfo(pm: PackageManager): PackageManagerInfo {
  const info = INFO[pm];
  if (!info) throw new Error(`unknown package manager "${String(pm)}"`);
  return info;
}
