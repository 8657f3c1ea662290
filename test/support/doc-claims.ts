// What a generated project's docs claim, checked against the project itself. Every path (`src/…`,
// `test/…`, `dist/…`), file, `<pm> run <script>` and variable that README.md, SECURITY.md,
// .env.example or the Dockerfile names must exist in that project; no file may name a tool, script,
// variable or entry point of a feature the project lacks; the docs must not speak of a transport or
// auth mode the project lacks, nor of a create-secure-mcp command that does not exist.
import type { FeatureId } from '../../src/features/types.js';
import type { RenderedFile } from '../../src/generate/plan-types.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import { packageManagerInfo } from '../../src/package-managers.js';

export interface RenderedProject {
  readonly spec: ProjectSpec;
  readonly features: readonly FeatureId[];
  readonly files: ReadonlyMap<string, RenderedFile>;
}

const DOCS = ['README.md', 'SECURITY.md', '.env.example', 'Dockerfile'];
/** Files outside the project that docs may name (client configs, files made at run time). */
const EXTERNAL_FILES = new Set(['claude_desktop_config.json', 'audit.log', 'ca.pem']);

/** Tokens only a feature's own files may contain: any other file naming them speaks of something absent. */
const OWNED: Partial<Record<FeatureId, readonly RegExp[]>> = {
  stdio: [/dist\/transports\/stdio\.js/, /\bstart:stdio\b/],
  http: [/dist\/transports\/http\.js/, /\bstart:http\b/, /\bcert:dev\b/, /\bPUBLIC_URL\b/, /\bALLOWED_HOSTS\b/, /\bTRUST_PROXY\b/, /\bTLS_(CERT|KEY)_FILE\b/, /\bHTTP_MAX_[A-Z_]+\b/],
  apiKey: [/api-keys\.json/, /\bAPI_KEYS_FILE\b/, /dev-api-key/, /\brun (-s |--silent )?keys\b/],
  oauth: [/\bOAUTH_[A-Z_]+\b/, /oauth-protected-resource/],
  redis: [/\bREDIS_(URL|KEY_PREFIX)\b/],
  files: [/\blist_files\b/, /\bread_file\b/, /\bFILES_(ROOT|MAX_BYTES)\b/],
  fetch: [/\bfetch_url\b/, /\bFETCH_[A-Z_]+\b/],
  storage: [/\bdb:migrate\b/, /\bsrc\/storage\//],
  sqlite: [/\bSQLITE_PATH\b/, /better-sqlite3/],
  postgres: [/\b(TEST_)?DATABASE_(URL|STATEMENT_TIMEOUT_MS|POOL_MAX)\b/],
  notes: [/\b(search_notes|add_note|delete_note)\b/],
};

/** Words the docs may only use when the project has the feature (after generator flags are removed). */
const DOC_WORDS: Partial<Record<FeatureId, readonly RegExp[]>> = {
  stdio: [/\bstdio\b/i],
  http: [/Streamable HTTP/i, /\bHTTP transport\b/i, /\bPOST \/mcp\b/],
  apiKey: [/\bAPI keys?\b/i],
  oauth: [/\bOAuth\b/],
  redis: [/\bRedis\b/],
  localIdentity: [/\bLOCAL_(PRINCIPAL|SCOPES)\b/],
  sqlite: [/\bSQLite\b/],
  postgres: [/\bPostgreSQL\b/],
};

function textOf(project: RenderedProject, name: string): string {
  return project.files.get(name)?.content.toString('utf8') ?? '';
}

function envVariables(project: RenderedProject): Set<string> {
  const names = [...textOf(project, '.env.example').matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] as string);
  return new Set(names);
}

/** Everything wrong with what this project's docs claim; empty when every claim holds. */
export function docProblems(project: RenderedProject, all: readonly RenderedProject[]): string[] {
  const problems: string[] = [];
  const has = (id: FeatureId): boolean => project.features.includes(id);
  const files = project.files;
  const pkg = JSON.parse(textOf(project, 'package.json')) as { scripts: Record<string, string> };
  const pm = packageManagerInfo(project.spec.packageManager);
  const vars = envVariables(project);
  const allVars = new Set(all.flatMap((p) => [...envVariables(p)]));
  const sources = [...files.entries()].filter(([name]) => name.startsWith('src/')).map(([, f]) => f.content.toString('utf8')).join('\n');

  for (const doc of DOCS) {
    const text = textOf(project, doc);
    if (text === '') {
      problems.push(`${doc} is missing or empty`);
      continue;
    }
    // Paths into the project's code.
    for (const match of text.matchAll(/(?<![\w/.-])((?:src|test|dist)\/[\w./<>*-]*)/g)) {
      const claimed = (match[1] as string).replace(/[.,:;)]+$/, '');
      if (/[<>*]/.test(claimed)) continue; // a pattern, e.g. src/tools/<name>.ts
      // dist/bundle/<entry>.js is the bundle of src/<entry>.ts (scripts/bundle.mjs), any other dist/x.js is tsc's output of src/x.ts.
      const source = claimed.startsWith('dist/') ? claimed.replace(/^dist\/(bundle\/)?/, 'src/').replace(/\.js$/, '.ts') : claimed;
      const exists = source.endsWith('/') || !/\.\w+$/.test(source) ? [...files.keys()].some((f) => f.startsWith(source.endsWith('/') ? source : `${source}/`)) : files.has(source);
      if (!exists) problems.push(`${doc} names ${claimed}, which this project does not have`);
    }
    // Files named in backticks.
    for (const match of text.matchAll(/`(\.?[\w./-]+\.(?:json|md|yml|yaml|ts|txt|example)|\.env|\.gitignore|\.dockerignore|Dockerfile)`/g)) {
      const name = (match[1] as string).replace(/^\.\//, '');
      const base = name.split('/').pop() as string;
      if (EXTERNAL_FILES.has(base) || /^(src|test|dist)\//.test(name) || /^(\.\.|\/)|</.test(name)) continue;
      if (!files.has(name) && ![...files.keys()].some((f) => f.endsWith(`/${name}`))) problems.push(`${doc} names the file ${name}, which this project does not have`);
    }
    // Scripts, run with the project's package manager.
    for (const match of text.matchAll(/\b(npm|pnpm|yarn|bun) (?:run (?:-s |--silent )?([a-z][\w:-]*)|(test|start)\b)/g)) {
      const runner = match[1] as string;
      const script = (match[2] ?? match[3]) as string;
      if (runner !== pm.name) {
        problems.push(`${doc} runs "${match[0]}", but this project uses ${pm.name}`);
        continue;
      }
      if (!Object.hasOwn(pkg.scripts, script)) problems.push(`${doc} runs the script "${script}", which package.json does not have`);
    }
    if (pm.name === 'bun' && /\bbun test\b/.test(text)) problems.push(`${doc} says "bun test", Bun's own runner, not the project's test script`);
    // create-secure-mcp commands that do not exist.
    // `add tool`, `check`, `update` and `preset init` exist (src/commands/); `add`/`preset` of anything else does not.
    for (const match of text.matchAll(/create-secure-mcp(?:@[\w.-]+)? (add(?! tool\b)|preset(?! init\b))\b/g)) {
      problems.push(`${doc} names "${match[0]}", a command create-secure-mcp does not have`);
    }
    // Variables: one of any project's, it must be this project's and read by its code.
    for (const match of new Set([...text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((m) => m[0]))) {
      if (allVars.has(match) && !vars.has(match)) problems.push(`${doc} names the variable ${match}, which this project does not have`);
    }
    // Words about features the project lacks (generator flags such as `--auth oauth` name options, not the project).
    const prose = text.replace(/--(transport|auth|tools|rate-limit-store)[ =][\w,-]+(?: or --\1[ =][\w,-]+)*/g, '');
    for (const [feature, words] of Object.entries(DOC_WORDS)) {
      if (has(feature as FeatureId)) continue;
      for (const word of words ?? []) {
        const hit = word.exec(prose);
        if (hit) problems.push(`${doc} speaks of "${hit[0]}", but this project has no ${feature}`);
      }
    }
  }
  for (const name of vars) {
    if (!sources.includes(`'${name}'`) && !sources.includes(`"${name}"`) && !new RegExp(`\\b${name}\\b`).test(sources)) {
      problems.push(`.env.example documents ${name}, which no module under src/ reads`);
    }
  }
  // No file of the project names what belongs to a feature it lacks.
  for (const [feature, tokens] of Object.entries(OWNED)) {
    if (has(feature as FeatureId)) continue;
    for (const [name, file] of files) {
      const content = file.content.toString('utf8');
      for (const token of tokens ?? []) {
        const hit = token.exec(content);
        if (hit) problems.push(`${name} names "${hit[0]}", but this project has no ${feature}`);
      }
    }
  }
  return problems;
}
