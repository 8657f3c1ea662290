/**
 * The project around the code: ignore files, the container image, the Node.js line and the recorded
 * generator spec. Guards against secrets and local data reaching git or an image (.env, keys, the
 * SQLite database, logs), an image that runs as root or bakes a secret into a layer, a runtime that no
 * longer gets security fixes, and a generated project drifting from the options its team preset locks.
 */
import { parseIgnore, type IgnoreRules } from '../ignore-file.js';
import { engineLowerBounds, majorOf, nodeLineStatus } from '../node-lines.js';
import type { CheckContext, Evidence, Outcome, ProjectView, Rule } from '../types.js';
import { workflowNodeVersions } from './ci.js';
import { INPUT_FIELD } from '../../presets/apply-options.js';

const MCP01 = 'MCP01: Token Mismanagement & Secret Exposure';
const MCP04 = 'MCP04: Software Supply Chain Attacks & Dependency Tampering';
const MCP07 = 'MCP07: Insufficient Authentication & Authorization';
const MCP09 = 'MCP09: Shadow MCP Servers';

// ---------------------------------------------------------------------------------------------------
// Shared reading aids

function clip(text: string): string {
  const t = text.trim().replace(/[A-Za-z0-9_\-+/=]{24,}/g, (run) => `${run.slice(0, 4)}…${run.slice(-2)}`);
  return t.length > 160 ? `${t.slice(0, 157)}...` : t;
}

function lineEvidence(file: string, text: string, line: number): Evidence {
  return { file, line, snippet: clip(text.split(/\r?\n/)[line - 1] ?? '') };
}

/** Relative POSIX path from a config value (`./data/app.db`), or undefined for absolute/outside/variable paths. */
function localPath(value: string): string | undefined {
  const v = value.trim().replace(/^["']|["']$/g, '');
  if (v === '' || v.startsWith('/') || /^[A-Za-z]:/.test(v) || v.includes('$') || v.includes('://')) return undefined;
  const parts = v.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return parts.join('/');
}

/** `NAME=value` pairs of .env.example (commented-out examples included: they document the default). */
function exampleSettings(project: ProjectView): { name: string; value: string }[] {
  const text = project.read('.env.example') ?? project.read('.env.sample') ?? project.read('.env.template') ?? '';
  const out: { name: string; value: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*#?\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m) out.push({ name: m[1] ?? '', value: (m[2] ?? '').replace(/\s+#.*$/, '') });
  }
  return out;
}

function dependencyNames(project: ProjectView): Set<string> {
  const names = new Set<string>();
  const pkg = project.packageJson;
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const deps = pkg?.[field];
    if (typeof deps === 'object' && deps !== null) for (const name of Object.keys(deps)) names.add(name);
  }
  return names;
}

function manifestSpec(project: ProjectView): Record<string, unknown> | undefined {
  const spec = project.manifest?.spec;
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? (spec as Record<string, unknown>) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// What must never be committed or copied into an image

interface Sample {
  readonly what: string;
  readonly path: string;
}

/** Representative paths an ignore file must cover, from the project's own configuration where it says. */
function mustIgnore(project: ProjectView): Sample[] {
  const samples: Sample[] = [
    { what: '.env', path: '.env' },
    { what: '.env.* (local variants)', path: '.env.local' },
    { what: '.env.* (local variants)', path: '.env.production' },
    { what: 'private keys (*.pem)', path: 'server.pem' },
    { what: 'private keys (*.key)', path: 'server.key' },
    { what: '.secrets/', path: '.secrets/dev-key' },
    { what: 'logs (logs/)', path: 'logs/server.log' },
  ];
  const settings = exampleSettings(project);
  const dbPaths: string[] = [];
  for (const { name, value } of settings) {
    const local = localPath(value);
    if (local === undefined) continue;
    if (/\.(?:db|sqlite3?)$/i.test(local) || /SQLITE/.test(name)) dbPaths.push(local);
    else if (/LOG_(?:DIR|PATH|FILE)$|^LOG_DIR$|LOGS?_DIR/.test(name)) samples.push({ what: `the log location (${name})`, path: /\.\w+$/.test(local) ? local : `${local}/current.log` });
    else if (/(?:KEY|SECRET|TOKEN|CREDENTIAL|PASSWORD)[A-Z_]*_(?:FILE|PATH)$/.test(name)) samples.push({ what: `the secret file (${name})`, path: local });
  }
  const deps = dependencyNames(project);
  const usesSqlite = dbPaths.length > 0 || manifestSpec(project)?.storage === 'sqlite' || ['better-sqlite3', 'sqlite3', 'sqlite', '@libsql/client'].some((d) => deps.has(d));
  if (dbPaths.length > 0) {
    for (const db of dbPaths) {
      samples.push({ what: `the SQLite database (${db})`, path: db });
      samples.push({ what: `the SQLite database (${db})`, path: `${db}-wal` });
    }
  } else if (usesSqlite) {
    samples.push({ what: 'SQLite databases (*.db)', path: 'app.db' }, { what: 'SQLite databases (*.sqlite)', path: 'app.sqlite' }, { what: 'SQLite databases (*.sqlite3)', path: 'app.sqlite3' });
  }
  return samples;
}

const EXAMPLE_ENV = /(?:^|\/)\.env\.(?:example|sample|template|dist|defaults)$/;

/** Why a committed file should not be there, or undefined. */
function secretPathReason(path: string, read: (p: string) => string | undefined): string | undefined {
  const base = path.split('/').pop() ?? path;
  if ((base === '.env' || base.startsWith('.env.')) && !EXAMPLE_ENV.test(path)) return 'an environment file';
  if (/(?:^|\/)\.secrets\//.test(path)) return 'a file under .secrets/';
  if (/\.(?:key|p12|pfx)$/i.test(base)) return 'a private key';
  if (/^id_(?:rsa|dsa|ecdsa|ed25519)$/.test(base)) return 'an SSH private key';
  if (/\.pem$/i.test(base)) {
    const text = read(path);
    if (text === undefined || /PRIVATE KEY/.test(text)) return 'a private key';
  }
  if (/\.(?:db|sqlite3?)(?:-wal|-shm|-journal)?$/i.test(base)) return 'a database file';
  if (/\.log$/i.test(base)) return 'a log file';
  if (/^logs\/./.test(path) && !/^(?:\.gitkeep|\.keep|README(?:\.md)?)$/.test(base) && !/\.(?:[cm]?[jt]sx?)$/.test(base)) return 'a log file';
  return undefined;
}

function uncovered(rules: IgnoreRules, samples: readonly Sample[]): Sample[] {
  return samples.filter((s) => !rules.ignores(s.path));
}

function describeMissing(missing: readonly Sample[]): string {
  return [...new Set(missing.map((s) => s.what))].join(', ');
}

// ---------------------------------------------------------------------------------------------------
// Dockerfiles

interface Instruction {
  readonly line: number;
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly line: number;
  readonly image: string;
  readonly alias: string | undefined;
  readonly instructions: Instruction[];
}

interface Dockerfile {
  readonly file: string;
  readonly text: string;
  /** ARGs before the first FROM (their defaults). */
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

export function parseDockerfile(file: string, text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const escapeDirective = /^#\s*escape\s*=\s*(\S)/i.exec(lines[0] ?? '');
  const escapeChar = escapeDirective?.[1] ?? '\\';
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    if (first.trim() === '' || first.trim().startsWith('#')) continue;
    const start = i + 1;
    let joined = first;
    while (joined.trimEnd().endsWith(escapeChar) && i + 1 < lines.length) {
      joined = joined.trimEnd().slice(0, -1);
      i++;
      const next = lines[i] ?? '';
      if (next.trim().startsWith('#')) {
        joined += escapeChar; // comment lines inside a continuation are dropped
        continue;
      }
      joined += ` ${next.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(joined);
    if (!m) continue;
    const keyword = (m[1] ?? '').toUpperCase();
    const args = (m[2] ?? '').trim();
    instructions.push({ line: start, keyword, args });
    // Heredoc bodies (RUN <<EOF … EOF) are not instructions.
    const heredoc = /<<-?\s*["']?([A-Za-z_][\w]*)["']?/.exec(args);
    if (heredoc && (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD')) {
      const end = heredoc[1] ?? '';
      while (i + 1 < lines.length && (lines[i + 1] ?? '').trim() !== end) i++;
      i++;
    }
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const image = parts[0] ?? '';
      const asIndex = parts.findIndex((p) => p.toLowerCase() === 'as');
      stages.push({ line: ins.line, image, alias: asIndex >= 0 ? parts[asIndex + 1]?.toLowerCase() : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') for (const { name, value } of assignments(ins.args, false)) globalArgs.set(name, value ?? '');
    } else stages[stages.length - 1]?.instructions.push(ins);
  }
  return { file, text, globalArgs, stages };
}

/** `A=1 B="two"` (or the legacy `ENV NAME value` form) → name/value pairs; value undefined for a bare `ARG NAME`. */
function assignments(args: string, legacy: boolean): { name: string; value: string | undefined }[] {
  const out: { name: string; value: string | undefined }[] = [];
  if (legacy && !/^[A-Za-z_][\w]*=/.test(args)) {
    const m = /^([A-Za-z_][\w]*)(?:\s+(.*))?$/.exec(args);
    if (m) out.push({ name: m[1] ?? '', value: m[2] === undefined ? undefined : m[2].trim().replace(/^(["'])(.*)\1$/, '$2') });
    return out;
  }
  const re = /([A-Za-z_][\w]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  for (let m = re.exec(args); m !== null; m = re.exec(args)) {
    const raw = m[2];
    out.push({ name: m[1] ?? '', value: raw === undefined ? undefined : raw.replace(/^(["'])(.*)\1$/, '$2') });
  }
  return out;
}

function substitute(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(/\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)/g, (whole, a: string | undefined, fallback: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? '';
    return vars.get(name) || fallback || whole;
  });
}

const TEMPLATE_SUFFIX = /\.(?:hbs|handlebars|ejs|tmpl|tpl|template|j2|mustache)$/i;

export function dockerfiles(project: ProjectView): Dockerfile[] {
  const out: Dockerfile[] = [];
  for (const [file, text] of project.files) {
    const base = file.split('/').pop() ?? '';
    if (TEMPLATE_SUFFIX.test(base) || base.endsWith('.dockerignore')) continue;
    if (!/^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.(?:Dockerfile|Containerfile)$/i.test(base)) continue;
    try {
      out.push(parseDockerfile(file, text));
    } catch {
      // an unreadable Dockerfile is skipped, never a throw
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** The stage chain a stage builds on, final stage first (FROM <earlier alias> follows the alias). */
function stageChain(df: Dockerfile, stage: Stage): Stage[] {
  const chain: Stage[] = [stage];
  let current = stage;
  for (let guard = 0; guard < 20; guard++) {
    const parent = df.stages.find((s) => s !== current && s.alias !== undefined && s.alias === current.image.toLowerCase() && df.stages.indexOf(s) < df.stages.indexOf(current));
    if (parent === undefined) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

const NA_NO_DOCKERFILE: Outcome = { status: 'not-applicable', message: 'No Dockerfile.', evidence: [] };

// ---------------------------------------------------------------------------------------------------
// SMCP-IGNORE-001

export const gitignoreCovers: Rule = {
  id: 'SMCP-IGNORE-001',
  title: '.gitignore keeps secrets and local state out of git',
  severity: 'high',
  checklist: '.gitignore covers .env and .env.* (not .env.example), private keys (*.pem, *.key), .secrets/, the SQLite database and its folder, and logs; none of them is committed.',
  owasp: MCP01,
  hint: 'Add the missing patterns to .gitignore (e.g. `.env`, `.env.*`, `!.env.example`, `*.pem`, `*.key`, `.secrets/`, `data/`, `logs/`) and `git rm --cached` any file already committed (then rotate what it held).',
  run(project) {
    const text = project.read('.gitignore');
    const rules = parseIgnore(text, 'git');
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    const missing = uncovered(rules, mustIgnore(project));
    if (text === undefined) problems.push('there is no .gitignore');
    else if (missing.length > 0) {
      problems.push(`.gitignore does not cover ${describeMissing(missing)}`);
      evidence.push(...missing.slice(0, 3).map((s) => ({ file: '.gitignore', snippet: `not ignored: ${s.path}` })));
    }
    const tracked: Evidence[] = [];
    const candidates = [...project.files.keys(), ...[...project.skipped.keys()].filter((p) => project.fromGit || !rules.ignores(p))];
    for (const path of candidates) {
      if (path.split('/').some((s) => s === 'node_modules')) continue;
      const why = secretPathReason(path, (p) => project.read(p));
      if (why !== undefined) tracked.push({ file: path, snippet: `${why} is ${project.fromGit ? 'tracked by git' : 'not ignored'}` });
    }
    if (tracked.length > 0) {
      problems.push(`${tracked.length} file${tracked.length === 1 ? '' : 's'} that must stay out of git ${tracked.length === 1 ? 'is' : 'are'} ${project.fromGit ? 'committed' : 'not ignored'} (${tracked.slice(0, 3).map((t) => t.file).join(', ')})`);
      evidence.unshift(...tracked.slice(0, 3));
    }
    if (problems.length > 0) return { status: 'fail', message: `${problems.join('; ')}.`, evidence: evidence.slice(0, 5) };
    return { status: 'pass', message: '.gitignore covers .env files, keys, .secrets/, local data and logs, and none of them is committed.', evidence: [{ file: '.gitignore' }] };
  },
};

// ---------------------------------------------------------------------------------------------------
// SMCP-IGNORE-002

function dockerignoreFor(project: ProjectView, dockerfile: string): { file: string; text: string } | undefined {
  const dir = dockerfile.includes('/') ? dockerfile.slice(0, dockerfile.lastIndexOf('/') + 1) : '';
  for (const candidate of [`${dockerfile}.dockerignore`, `${dir}.dockerignore`, '.dockerignore']) {
    const text = project.read(candidate);
    if (text !== undefined) return { file: candidate, text };
  }
  return undefined;
}

function broadCopies(df: Dockerfile): Instruction[] {
  return df.stages.flatMap((s) => s.instructions).filter((ins) => {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') return false;
    if (/--from[= ]/.test(ins.args)) return false;
    const sources = copySources(ins.args);
    return sources.some((src) => src === '.' || src === './' || src === '*' || src === './*');
  });
}

/** The sources of a COPY/ADD (flags and the destination removed; JSON form understood). */
function copySources(args: string): string[] {
  let parts: string[];
  const trimmed = args.replace(/^(?:--[\w-]+(?:=\S+)?\s+)+/, '').trim();
  if (trimmed.startsWith('[')) {
    try {
      const list = JSON.parse(trimmed) as unknown;
      parts = Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      parts = trimmed.split(/\s+/);
    }
  } else parts = trimmed.split(/\s+/);
  if (/<</.test(trimmed)) return [];
  return parts.slice(0, -1);
}

export const dockerignoreCovers: Rule = {
  id: 'SMCP-IGNORE-002',
  title: '.dockerignore keeps secrets and local state out of the image',
  severity: 'high',
  checklist: 'When the project has a Dockerfile, .dockerignore keeps .env files, keys, .secrets, the database and logs out of the build context.',
  owasp: MCP01,
  hint: 'Add a .dockerignore next to the Dockerfile with `.env`, `.env.*`, `!.env.example`, `*.pem`, `*.key`, `.secrets`, the data folder and `logs`.',
  run(project) {
    const found = dockerfiles(project);
    if (found.length === 0) return NA_NO_DOCKERFILE;
    const samples = mustIgnore(project);
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    let warned: string | undefined;
    for (const df of found) {
      const ignore = dockerignoreFor(project, df.file);
      if (ignore === undefined) {
        const broad = broadCopies(df);
        if (broad.length > 0) {
          problems.push(`${df.file} copies the whole build context and there is no .dockerignore`);
          evidence.push(lineEvidence(df.file, df.text, broad[0]?.line ?? 1));
        } else warned = `${df.file} has no .dockerignore (it copies only named paths; the whole folder is still sent to the builder)`;
        continue;
      }
      const missing = uncovered(parseIgnore(ignore.text, 'docker'), samples);
      if (missing.length > 0) {
        problems.push(`${ignore.file} does not cover ${describeMissing(missing)}`);
        evidence.push(...missing.slice(0, 3).map((s) => ({ file: ignore.file, snippet: `not ignored: ${s.path}` })));
      }
    }
    if (problems.length > 0) return { status: 'fail', message: `${problems.join('; ')}.`, evidence: evidence.slice(0, 5) };
    if (warned !== undefined) return { status: 'warn', message: `${warned}.`, evidence: [] };
    return { status: 'pass', message: '.dockerignore keeps .env files, keys, .secrets, local data and logs out of the build context.', evidence: [{ file: dockerignoreFor(project, found[0]?.file ?? 'Dockerfile')?.file ?? '.dockerignore' }] };
  },
};

// ---------------------------------------------------------------------------------------------------
// SMCP-DOCKER-001

function isRootUser(user: string): boolean {
  const name = user.split(':')[0]?.trim() ?? '';
  return name === 'root' || name === '0' || name === '';
}

/** Base images whose default user is not root. */
function nonRootBase(image: string): boolean {
  return /(?:^|[:/-])nonroot\b/i.test(image) || /^cgr\.dev\/chainguard\//i.test(image);
}

export const nonRootImage: Rule = {
  id: 'SMCP-DOCKER-001',
  title: 'The container runs as a non-root user',
  severity: 'high',
  checklist: 'The final image stage sets `USER` to an unprivileged user (e.g. `node`), or starts from a non-root base image (distroless :nonroot).',
  owasp: MCP07,
  hint: 'Add `USER node` (or another unprivileged user) at the end of the final stage, after the last step that needs root.',
  run(project) {
    const found = dockerfiles(project);
    if (found.length === 0) return NA_NO_DOCKERFILE;
    const failures: Evidence[] = [];
    const unsure: Evidence[] = [];
    const passes: Evidence[] = [];
    for (const df of found) {
      const final = df.stages[df.stages.length - 1];
      if (final === undefined) continue;
      let decided = false;
      for (const stage of stageChain(df, final)) {
        const vars = new Map(df.globalArgs);
        let user: Instruction | undefined;
        for (const ins of stage.instructions) {
          if (ins.keyword === 'ARG' || ins.keyword === 'ENV') for (const { name, value } of assignments(ins.args, ins.keyword === 'ENV')) if (value !== undefined) vars.set(name, value);
          if (ins.keyword === 'USER') user = { ...ins, args: substitute(ins.args, vars) };
        }
        if (user !== undefined) {
          if (user.args.includes('$')) unsure.push(lineEvidence(df.file, df.text, user.line));
          else if (isRootUser(user.args)) failures.push(lineEvidence(df.file, df.text, user.line));
          else passes.push(lineEvidence(df.file, df.text, user.line));
          decided = true;
          break;
        }
        const isAlias = df.stages.some((s) => s.alias !== undefined && s.alias === stage.image.toLowerCase() && df.stages.indexOf(s) < df.stages.indexOf(stage));
        if (!isAlias) {
          const image = substitute(stage.image, df.globalArgs);
          if (nonRootBase(image)) passes.push(lineEvidence(df.file, df.text, stage.line));
          else failures.push(lineEvidence(df.file, df.text, final.line));
          decided = true;
          break;
        }
      }
      if (!decided) failures.push(lineEvidence(df.file, df.text, final.line));
    }
    if (failures.length > 0) return { status: 'fail', message: `The image runs as root: ${failures.map((f) => `${f.file}:${f.line}`).slice(0, 3).join(', ')} (no unprivileged USER in the final stage).`, evidence: failures.slice(0, 5) };
    if (unsure.length > 0) return { status: 'warn', message: 'The final stage sets USER from a variable this check cannot resolve.', evidence: unsure.slice(0, 5) };
    return { status: 'pass', message: `The final stage runs as an unprivileged user (${passes.map((p) => p.snippet).slice(0, 2).join('; ')}).`, evidence: passes.slice(0, 5) };
  },
};

// ---------------------------------------------------------------------------------------------------
// SMCP-DOCKER-002

const SECRET_NAME = /(?:^|_)(?:SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|API_?KEY|APIKEY|PRIVATE_?KEY|ACCESS_?KEY|HMAC_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|AUTH_?KEY|CLIENT_?SECRET|AUTH)$|_KEY$/i;
const URL_WITH_PASSWORD = /:\/\/[^/\s:@]+:[^/\s@]+@/;

function secretSource(src: string, project: ProjectView): string | undefined {
  const path = src.replace(/^\.\//, '').replace(/\/+$/, '');
  const base = path.split('/').pop() ?? path;
  if (/^\.env(?:\.[^/]*)?$|^\.env\*$/.test(base) && !/^\.env\.(?:example|sample|template|dist|defaults)$/.test(base)) return 'an environment file';
  if (/(?:^|\/)\.secrets(?:\/|$)/.test(path) || base === '.secrets') return '.secrets';
  if (/\.(?:key|p12|pfx|jks|keystore)$/i.test(base)) return 'a private key';
  if (/^id_(?:rsa|dsa|ecdsa|ed25519)$/.test(base) || base === '.ssh' || /(?:^|\/)\.ssh\//.test(path)) return 'an SSH key';
  if (base === '.aws' || base === '.git-credentials' || base === '.netrc') return 'credentials';
  if (/\.pem$/i.test(base)) {
    if (base.includes('*')) return 'PEM files';
    const text = project.read(path);
    if (text === undefined || /PRIVATE KEY/.test(text)) return 'a private key';
  }
  if (base === '.npmrc') {
    const text = project.read(path) ?? '';
    if (/_authToken|_auth\s*=|_password\s*=/.test(text)) return 'an .npmrc holding a registry token';
  }
  return undefined;
}

export const noSecretsInImage: Rule = {
  id: 'SMCP-DOCKER-002',
  title: 'The image copies no secret',
  severity: 'critical',
  checklist: 'No COPY/ADD of .env files, keys or .secrets into the image, and no ARG/ENV giving a secret-named variable a value: secrets come at run time.',
  owasp: MCP01,
  hint: 'Remove the COPY of the secret and the ARG/ENV default; pass secrets at run time (-e, an orchestrator secret) or, for build-time tokens, with `RUN --mount=type=secret`.',
  run(project) {
    const found = dockerfiles(project);
    if (found.length === 0) return NA_NO_DOCKERFILE;
    const findings: Evidence[] = [];
    const kinds = new Set<string>();
    for (const df of found) {
      const buildArgs = new Set(df.globalArgs.keys());
      const all = [...[...df.globalArgs].map(([name, value]) => ({ line: 0, keyword: 'ARG', args: `${name}=${value}` })), ...df.stages.flatMap((s) => s.instructions)];
      for (const ins of all) {
        if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
          for (const src of copySources(ins.args)) {
            const why = secretSource(src, project);
            if (why !== undefined) {
              findings.push(lineEvidence(df.file, df.text, ins.line));
              kinds.add(`${ins.keyword} of ${why}`);
              break;
            }
          }
        } else if (ins.keyword === 'ARG' || ins.keyword === 'ENV') {
          for (const { name, value } of assignments(ins.args, ins.keyword === 'ENV')) {
            if (ins.keyword === 'ARG') buildArgs.add(name);
            if (value === undefined || value === '') continue;
            const fromVariable = /^\$\{?([A-Za-z_]\w*)\}?$/.exec(value.trim());
            const literalSecret = SECRET_NAME.test(name) && fromVariable === null;
            const bakedArg = ins.keyword === 'ENV' && SECRET_NAME.test(name) && fromVariable !== null && buildArgs.has(fromVariable[1] ?? '');
            if (literalSecret || bakedArg || URL_WITH_PASSWORD.test(value)) {
              const line = ins.line > 0 ? ins.line : lineOfText(df.text, new RegExp(`^\\s*ARG\\s+${name}\\b`, 'im'));
              findings.push(line > 0 ? lineEvidence(df.file, df.text, line) : { file: df.file, snippet: `ARG ${name}=…` });
              kinds.add(bakedArg ? `ENV ${name} bakes a build argument into the image` : `${ins.keyword} ${name} has a literal value`);
            }
          }
        }
      }
    }
    if (findings.length > 0) return { status: 'fail', message: `The image holds a secret: ${[...kinds].slice(0, 3).join('; ')}.`, evidence: findings.slice(0, 5) };
    return { status: 'pass', message: 'No COPY/ADD of secret files and no secret-named ARG/ENV with a value.', evidence: [] };
  },
};

function lineOfText(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m === null ? 0 : text.slice(0, m.index).split('\n').length;
}

// ---------------------------------------------------------------------------------------------------
// SMCP-NODE-001

interface NodeSource {
  readonly where: string;
  readonly evidence: Evidence;
  readonly line: number;
  /** Runtime sources fail on an end-of-life line; engines only warns. */
  readonly binding: boolean;
}

function imageNodeLine(image: string): number | undefined {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const nameTag = noDigest.slice(lastSlash + 1);
  const [name, tag] = nameTag.split(':') as [string, string | undefined];
  if (name === 'node') {
    const m = /^(\d+)/.exec(tag ?? '');
    return m ? Number(m[1]) : undefined;
  }
  const distroless = /^nodejs(\d+)/.exec(name);
  if (distroless) return Number(distroless[1]);
  return undefined;
}

export const maintainedNode: Rule = {
  id: 'SMCP-NODE-001',
  title: 'The runtime is a maintained Node.js line',
  severity: 'medium',
  checklist: 'The Dockerfile, .nvmrc/.node-version and CI run a Node.js line that still gets security fixes, and package.json engines does not allow an end-of-life line.',
  owasp: MCP04,
  hint: 'Move the Dockerfile, .nvmrc and CI matrix to a maintained LTS line (e.g. node:24-slim) and raise engines.node to that line.',
  run(project, context: CheckContext) {
    const sources: (NodeSource & { major: number })[] = [];
    for (const df of dockerfiles(project)) {
      const final = df.stages[df.stages.length - 1];
      if (final === undefined) continue;
      const chain = stageChain(df, final);
      const base = chain[chain.length - 1] ?? final;
      const major = imageNodeLine(substitute(base.image, df.globalArgs));
      if (major !== undefined) sources.push({ where: `${df.file} FROM`, evidence: lineEvidence(df.file, df.text, base.line), line: base.line, binding: true, major });
    }
    for (const file of ['.nvmrc', '.node-version']) {
      const text = project.read(file);
      if (text === undefined) continue;
      const lines = text.split(/\r?\n/);
      const index = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      const major = index >= 0 ? majorOf(lines[index] ?? '') : undefined;
      if (major !== undefined) sources.push({ where: file, evidence: { file, line: index + 1, snippet: (lines[index] ?? '').trim() }, line: index + 1, binding: true, major });
    }
    for (const v of workflowNodeVersions(project)) {
      const major = majorOf(v.value);
      if (major !== undefined) sources.push({ where: `${v.file} node-version`, evidence: { file: v.file, line: v.line, snippet: v.snippet }, line: v.line, binding: true, major });
    }
    const engines = project.packageJson?.engines;
    const range = typeof engines === 'object' && engines !== null ? (engines as Record<string, unknown>).node : undefined;
    if (typeof range === 'string') {
      const text = project.read('package.json') ?? '';
      const line = lineOfText(text, /"node"\s*:\s*"/) || 1;
      for (const major of engineLowerBounds(range)) sources.push({ where: `package.json engines.node "${range}"`, evidence: { file: 'package.json', line, snippet: `"node": "${range}"` }, line, binding: false, major });
    }
    if (sources.length === 0) return { status: 'warn', message: 'No Node.js line is declared (no node Dockerfile base, .nvmrc, engines or CI node-version): the runtime is whatever the host has.', evidence: [] };
    const now = context.now;
    const eol = sources.map((s) => ({ ...s, status: nodeLineStatus(s.major, now) })).filter((s) => s.status.state === 'end-of-life');
    const failing = eol.filter((s) => s.binding);
    const describe = (list: typeof eol) => list.map((s) => `${s.where}: Node ${s.major === 0 ? '(any older line)' : s.major} (end of life ${s.status.eol})`);
    if (failing.length > 0) return { status: 'fail', message: `End-of-life Node.js line: ${[...new Set(describe(failing))].slice(0, 3).join('; ')}.`, evidence: failing.map((s) => s.evidence).slice(0, 5) };
    if (eol.length > 0) return { status: 'warn', message: `${[...new Set(describe(eol))].slice(0, 2).join('; ')}: allows an end-of-life line.`, evidence: eol.map((s) => s.evidence).slice(0, 5) };
    const lines = [...new Set(sources.filter((s) => s.binding).map((s) => s.major))].sort((a, b) => a - b);
    return { status: 'pass', message: `Maintained Node.js line${lines.length === 1 ? '' : 's'}${lines.length > 0 ? ` ${lines.join(', ')}` : ''} (checked on ${now.toISOString().slice(0, 10)}).`, evidence: sources.map((s) => s.evidence).slice(0, 5) };
  },
};

// ---------------------------------------------------------------------------------------------------
// SMCP-PRESET-001

/** Preset option (named as its create flag) → the spec field it sets: the one map resolve uses too. */
const SPEC_FIELD: Readonly<Record<string, string>> = INPUT_FIELD;

function sameOption(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const left = [...new Set(a.map(String))].sort();
    const right = [...new Set(b.map(String))].sort();
    return left.length === right.length && left.every((v, i) => v === right[i]);
  }
  return typeof a === 'string' && a === b;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return value === undefined ? '(unset)' : String(value);
}

interface PresetLocks {
  readonly name: string;
  readonly version: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly locked: readonly string[];
}

function asLocks(value: unknown): PresetLocks | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not an object';
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || typeof v.version !== 'string') return 'has no name/version';
  if (typeof v.options !== 'object' || v.options === null || Array.isArray(v.options)) return 'has no options object';
  if (!Array.isArray(v.locked) || !v.locked.every((k) => typeof k === 'string')) return 'has no locked list';
  return { name: v.name, version: v.version, options: v.options as Record<string, unknown>, locked: v.locked as string[] };
}

export const presetLocksHold: Rule = {
  id: 'SMCP-PRESET-001',
  title: "The team preset's locked options still hold",
  severity: 'high',
  checklist: "A generated project's secure-mcp.json is valid, and every option its team preset locks (the recorded preset, and the current one given with --preset) still has the locked value.",
  owasp: MCP09,
  hint: 'Bring the project back to the locked value (regenerate with the preset, or undo the change and its secure-mcp.json edit), or ask the preset owners to unlock the option.',
  run(project, context) {
    if (project.read('secure-mcp.json') === undefined) return { status: 'not-applicable', message: 'Not a create-secure-mcp project (no secure-mcp.json).', evidence: [] };
    const manifest = project.manifest;
    if (manifest === undefined) return { status: 'fail', message: 'secure-mcp.json is not a JSON object.', evidence: [{ file: 'secure-mcp.json' }] };
    const problems: string[] = [];
    if (typeof manifest.schemaVersion !== 'number' || !Number.isInteger(manifest.schemaVersion) || manifest.schemaVersion < 1) problems.push('schemaVersion is missing or not a positive integer');
    const spec = manifestSpec(project);
    if (spec === undefined) problems.push('spec is missing');
    else {
      for (const field of ['transport', 'auth', 'storage', 'rateLimitStore', 'packageManager']) if (typeof spec[field] !== 'string') problems.push(`spec.${field} is missing`);
      if (!Array.isArray(spec.tools)) problems.push('spec.tools is not a list');
    }
    const presets: PresetLocks[] = [];
    if (manifest.preset !== undefined) {
      const locks = asLocks(manifest.preset);
      if (typeof locks === 'string') problems.push(`preset ${locks}`);
      else presets.push(locks);
    }
    if (problems.length > 0 || spec === undefined) return { status: 'fail', message: `secure-mcp.json is not valid: ${problems.slice(0, 4).join('; ')}.`, evidence: [{ file: 'secure-mcp.json' }] };
    if (context.preset !== undefined) {
      const current = asLocks(context.preset);
      if (typeof current !== 'string') presets.push(current);
    }
    const text = project.read('secure-mcp.json') ?? '';
    const drift: Evidence[] = [];
    const messages: string[] = [];
    let checked = 0;
    for (const preset of presets) {
      for (const key of preset.locked) {
        const field = SPEC_FIELD[key];
        if (field === undefined) continue;
        checked++;
        const locked = preset.options[key];
        const actual = spec[field];
        if (!sameOption(actual, locked)) {
          messages.push(`${key} is ${show(actual)}, locked to ${show(locked)} by ${preset.name}@${preset.version}`);
          const line = lineOfText(text, new RegExp(`"${field}"\\s*:`));
          drift.push(line > 0 ? lineEvidence('secure-mcp.json', text, line) : { file: 'secure-mcp.json', snippet: `${field}: ${show(actual)}` });
        }
      }
    }
    if (messages.length > 0) return { status: 'fail', message: `Locked option drift: ${messages.slice(0, 3).join('; ')}.`, evidence: drift.slice(0, 5) };
    if (presets.length === 0) return { status: 'pass', message: 'secure-mcp.json is valid; no team preset is recorded or given.', evidence: [{ file: 'secure-mcp.json' }] };
    return { status: 'pass', message: `secure-mcp.json is valid; ${checked} locked option${checked === 1 ? '' : 's'} of ${[...new Set(presets.map((p) => `${p.name}@${p.version}`))].join(', ')} hold.`, evidence: [{ file: 'secure-mcp.json' }] };
  },
};

export const RULES: readonly Rule[] = [gitignoreCovers, dockerignoreCovers, nonRootImage, noSecretsInImage, maintainedNode, presetLocksHold];
