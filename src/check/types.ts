/**
 * `create-secure-mcp check`: the shapes every rule, the runner and the reports share. A rule reads a
 * ProjectView (the project's files, on disk or rendered in memory) and returns its outcome with
 * evidence; it never prints, never exits and never throws for code it does not understand (the runner
 * turns a throw into `could-not-run` for that item, never a pass).
 */
import type { PresetChoices } from '../presets/apply-options.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/**
 * pass: the control is there (with evidence where it can be shown). fail: it is missing or broken.
 * warn: a weaker form, or a heuristic that could not be sure. not-applicable: the project has nothing
 * this item is about (no HTTP transport, no Dockerfile). could-not-run: the check itself could not
 * run (no registry for the audit, no key for the chain) — never reported as a pass.
 */
export type Status = 'pass' | 'fail' | 'warn' | 'not-applicable' | 'could-not-run';

/** Where the finding shows: a file and line, or the command that showed it. */
export interface Evidence {
  /** POSIX path relative to the project root. */
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** A short excerpt (one line, secrets masked), or the command's relevant output. */
  readonly snippet?: string;
  /** The command that showed it, as a user would type it. */
  readonly command?: string;
}

/** What a rule is, independent of any project: stable across releases, so teams can track ids. */
export interface CheckItem {
  /** Stable id, `SMCP-<AREA>-<NNN>`, never reused for another meaning. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** The checklist item it enforces, in the words of the security checklist. */
  readonly checklist: string;
  /** The OWASP MCP Top 10 entry it maps to, e.g. `MCP01: Token Mismanagement and Secret Exposure`. */
  readonly owasp: string;
  /** How to fix a failure, one or two sentences. */
  readonly hint: string;
}

/** A rule's outcome on one project. */
export interface Outcome {
  readonly status: Status;
  /** One line saying what was found (for a failure: what is wrong; for a pass: what proves it). */
  readonly message: string;
  readonly evidence: readonly Evidence[];
}

export interface ItemResult extends CheckItem, Outcome {}

export interface Rule extends CheckItem {
  run(project: ProjectView, context: CheckContext): Outcome | Promise<Outcome>;
}

/** One text file of the project. */
export interface ProjectFile {
  /** POSIX path relative to the project root. */
  readonly path: string;
  readonly text: string;
}

/**
 * The project as the rules see it. `files` holds every file a reviewer would read — on disk: tracked
 * files in a git repository, else every file not ignored by the project's .gitignore — except
 * dependencies (node_modules/), .git/, caches, build output (dist/, build/, out/ — read only when the
 * project has no source elsewhere, as in a published package), binaries and files
 * over 1 MiB (listed in `skipped`). Ignored files such as .env are NOT in `files`; `exists` answers for them.
 */
export interface ProjectView {
  /** Absolute root on disk, or undefined for a project rendered in memory (then no command can run). */
  readonly root: string | undefined;
  readonly files: ReadonlyMap<string, string>;
  /** Paths left out of `files` (binary or too large), with why. */
  readonly skipped: ReadonlyMap<string, string>;
  /** Whether a path (file or folder, ignored or not) exists in the project. */
  exists(path: string): boolean;
  /** The text of any file in the project, ignored ones included (.env, .gitignore); undefined if absent, binary or too large. */
  read(path: string): string | undefined;
  /** Source files: .ts .tsx .mts .cts .js .jsx .mjs .cjs in `files`, tests and declaration files excluded. */
  sources(): readonly ProjectFile[];
  /** package.json parsed, or undefined (absent or not JSON). */
  readonly packageJson: Readonly<Record<string, unknown>> | undefined;
  /** secure-mcp.json parsed when present (a project made by create-secure-mcp), else undefined. */
  readonly manifest: Readonly<Record<string, unknown>> | undefined;
  /** Whether the file list came from git (tracked files). */
  readonly fromGit: boolean;
}

/** What a run may do beyond reading files. */
export interface CheckContext {
  readonly now: Date;
  /** --offline: no network (the dependency audit reports could-not-run). */
  readonly offline: boolean;
  /** Key for the audit chain (--audit-key, else AUDIT_HMAC_KEY in the environment or the project's .env). */
  readonly auditKey: string | undefined;
  /** Runs a command in the project (no shell); absent for a project in memory. */
  readonly exec?: (command: string, args: readonly string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }) => Promise<ExecResult>;
  /** Locks of the team preset given by --preset (checked against the project's recorded spec). */
  readonly preset?: PresetChoices | undefined;
}

export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command could not start (not installed) or timed out. */
  readonly error?: string;
}
