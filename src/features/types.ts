/**
 * What a feature is: a folder of templates/ plus, declared as data, everything it adds to files that
 * several features share — dependencies, scripts, environment variables, its config section, its tools,
 * ignore rules and doc sections. The plan merges these; no shared template holds a conditional about
 * another feature. One file per feature under src/features/, in the style of create-t3-app's installers.
 */
import type { PresetRecord } from '../presets/preset-types.js';
import type { ProjectSpec } from '../options/project-spec.js';

/** Every feature, in the order its files and contributions are laid down. */
export const FEATURE_IDS = ['base', 'localIdentity', 'stdio', 'http', 'authNone', 'apiKey', 'oauth', 'memory', 'redis', 'storage', 'sqlite', 'postgres', 'files', 'notes', 'fetch'] as const;
export type FeatureId = (typeof FEATURE_IDS)[number];

export interface ComputedFile {
  readonly path: string;
  readonly content: string;
  readonly secret?: boolean;
}

export interface FeatureEnv {
  readonly generatorVersion: string;
  /** Cryptographically random bytes. Injected so tests can make runs repeatable. */
  readonly randomBytes: (count: number) => Buffer;
  readonly now: Date;
  /** The team preset this run applies, as secure-mcp.json records it. */
  readonly preset?: PresetRecord | undefined;
}

/** One environment variable: documented in .env.example and in the README's configuration table. */
export interface EnvVariable {
  readonly name: string;
  /** README: what it does (Markdown, one table cell). */
  readonly meaning: string;
  /** README: its default, in words (Markdown). */
  readonly default: string;
  /** .env.example: the value shown. */
  readonly example: string;
  /** .env.example: written as a live line (a value the operator must fill), not commented out. */
  readonly live?: boolean;
}

/** A block of .env.example: its comment, then its variables. */
export interface EnvGroup {
  /** Comment lines, without the leading `# `. */
  readonly comment: readonly string[];
  readonly variables: readonly EnvVariable[];
}

/**
 * A section of the project's config: `src/config/<module>.ts` exports `parse` (returning the section, or
 * undefined after pushing a problem) and its type. The composed parser lives in src/config/features.ts.
 */
export interface ConfigSection {
  /** Property of Config that holds the section. */
  readonly key: string;
  /** Module path relative to src/config/, without extension. */
  readonly module: string;
  readonly parse: string;
  readonly type: string;
  /** Extra properties passed to the parser besides { root, problems }, as TypeScript source. */
  readonly extraArgs?: string;
  /** A comment placed above the call, when the arguments need one. */
  readonly comment?: string;
  /** undefined is a valid value of the section (e.g. OAuth unset on a project that also serves stdio). */
  readonly optional?: boolean;
  /** Documentation of the Config property. */
  readonly doc: string;
  /**
   * Files and folders this section names that hold secrets, keys, logs or data: a TypeScript expression
   * over `s` (the parsed section; possibly undefined when optional) of type `NamedPath[]`, i.e.
   * `[variable, absolute path][]`. No folder a section exposes may contain or lie inside one of them.
   */
  readonly sensitivePaths?: string;
  /** Folders whose content this section's tools hand to clients (a sandbox): same form as sensitivePaths. */
  readonly exposedFolders?: string;
}

/** Tools a feature registers: `src/tools/<module>.ts` exports `factory(config)` returning definitions. */
export interface ToolModule {
  readonly module: string;
  readonly factory: string;
}

/**
 * Something a feature opens at start-up and closes on shutdown (the database), composed into
 * src/resources.ts: opened with the config, readied before the server serves, handed to every tool call
 * as `ctx.resources.<key>`, closed after running calls have finished.
 */
export interface ResourceContribution {
  /** Property of Resources (and of ctx.resources). */
  readonly key: string;
  /** Module (relative to src/, without extension) exporting `open`. */
  readonly module: string;
  /** `open(<args>)` returns the resource synchronously. */
  readonly open: string;
  /** Arguments of `open`, as TypeScript over `config` and `logger`. */
  readonly args: string;
  /** Its type and the module (relative to src/, without extension) exporting it. */
  readonly type: string;
  readonly typeModule: string;
  /** Documentation of the Resources property. */
  readonly doc: string;
  /** Method awaited before serving (e.g. `migrate`); a rejection is a refusal to start. */
  readonly prepare?: string;
  /** Method awaited on shutdown. */
  readonly close: string;
}

/** Settings the project's own tests need for this feature (never a secret). */
export interface TestEnv {
  /** Import lines the entries need. */
  readonly imports?: readonly string[];
  /** Always present: `NAME: <TypeScript expression>`. */
  readonly required?: readonly string[];
  /** Per test server, statements run first inside its fresh temp folder `dir` (e.g. making a folder). */
  readonly setup?: readonly string[];
  /** Per test server: `NAME: <expression, may use dir>`. */
  readonly perServer?: readonly string[];
}

/** A server entry point under src/transports/; `start` and `dev` run the one with the highest rank. */
export interface EntryPoint {
  readonly name: string;
  readonly rank: number;
}

/** Text a feature puts into a slot of a shared template, computed in code. */
export interface SlotText {
  readonly file: string;
  readonly slot: string;
  readonly content: string;
}

export interface Contributions {
  /** Package names; versions come from src/project-versions.ts. */
  readonly dependencies?: readonly string[];
  readonly devDependencies?: readonly string[];
  readonly scripts?: Readonly<Record<string, string>>;
  readonly entry?: EntryPoint;
  readonly env?: readonly EnvGroup[];
  /** Lines of the generated .env (the project's local settings; never committed). */
  readonly dotenv?: readonly string[];
  readonly config?: ConfigSection;
  readonly tools?: ToolModule;
  readonly resource?: ResourceContribution;
  /**
   * Dependencies whose install script must run (a native addon compiled or fetched at install time).
   * Package managers that block install scripts by default are told to allow exactly these, at the
   * pinned version where they can say so (npm's allowScripts, pnpm's onlyBuiltDependencies, bun's
   * trustedDependencies).
   */
  readonly nativeBuilds?: readonly string[];
  readonly testEnv?: TestEnv;
  /** Patterns added to .gitignore and .dockerignore, with a comment line first. */
  readonly gitignore?: readonly string[];
  readonly dockerignore?: readonly string[];
  readonly slots?: readonly SlotText[];
}

export interface Feature {
  readonly id: FeatureId;
  /** Folder under templates/ whose files this feature adds; its `sections/` fill slots of shared files. */
  readonly templateDir?: string;
  applies(spec: ProjectSpec): boolean;
  contributions?(spec: ProjectSpec, env: FeatureEnv): Contributions;
  computedFiles?(spec: ProjectSpec, env: FeatureEnv): readonly ComputedFile[];
}
