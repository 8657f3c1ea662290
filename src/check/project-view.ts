/**
 * The project `check` reads, from disk or from memory (a rendered project in the generator's own tests).
 * Guards against a review that reads the wrong files: in a git repository it reads what git tracks or
 * would add (tracked, plus untracked files .gitignore does not exclude); elsewhere every file .gitignore
 * does not exclude. Dependencies are never read; build output (dist/, build/, out/) only when there is no
 * source anywhere else (a published package's dist is its code). Symbolic links are never followed
 * (a link out of the project cannot make check read a file outside it), and binaries and files over
 * 1 MiB are listed as skipped instead of read.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseIgnore } from './ignore-file.js';
import type { ProjectFile, ProjectView } from './types.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_FILES = 20_000;
/** Folders never read: dependencies, caches, VCS data. */
const NEVER_READ = new Set(['node_modules', '.git', 'coverage', '.next', '.turbo', '.cache']);
/** Build output: skipped when the project has its sources elsewhere; read when it is all there is (a published package). */
const BUILD_OUTPUT = new Set(['dist', 'build', 'out']);
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const NOT_SOURCE = /(?:\.d\.[cm]?ts$|\.(?:test|spec)\.[cm]?[jt]sx?$|^(?:test|tests|__tests__)\/|\/(?:test|tests|__tests__)\/)/;

/** A project rendered in memory (path → content): what the generator's tests check every combination with. */
export function projectFromFiles(entries: ReadonlyMap<string, string | Buffer>): ProjectView {
  const all = new Map<string, string | undefined>();
  const skipped = new Map<string, string>();
  for (const [file, content] of entries) {
    const text = textOf(content);
    if (typeof text === 'string') all.set(file, text);
    else {
      all.set(file, undefined);
      skipped.set(file, text.why);
    }
  }
  const gitignore = parseIgnore(all.get('.gitignore'));
  const files = new Map<string, string>();
  for (const [file, text] of all) {
    if (text === undefined || gitignore.ignores(file) || file.split('/').some((s) => NEVER_READ.has(s) || BUILD_OUTPUT.has(s))) continue;
    files.set(file, text);
  }
  return view(undefined, files, skipped, all, false);
}

/** The project at `root` on disk. Throws only when root is not a readable folder. */
export function loadProject(root: string): ProjectView {
  const absolute = path.resolve(root);
  if (!lstatSync(absolute).isDirectory()) throw new Error(`${absolute} is not a folder`);
  const listed = gitFiles(absolute);
  const gitignore = parseIgnore(readSmall(path.join(absolute, '.gitignore')));
  const candidates = (listed ?? walk(absolute)).filter((file) => !file.split('/').some((s) => NEVER_READ.has(s)) && (listed !== undefined || !gitignore.ignores(file)));
  const outsideBuild = candidates.filter((file) => !file.split('/').some((s) => BUILD_OUTPUT.has(s)));
  const readBuild = !outsideBuild.some((file) => SOURCE.test(file));
  const files = new Map<string, string>();
  const skipped = new Map<string, string>();
  for (const file of readBuild ? candidates : outsideBuild) {
    if (files.size + skipped.size >= MAX_FILES) {
      skipped.set(file, `more than ${MAX_FILES} files`);
      continue;
    }
    const content = readRegular(path.join(absolute, ...file.split('/')));
    if (content === undefined) continue;
    const text = textOf(content);
    if (typeof text === 'string') files.set(file, text);
    else skipped.set(file, text.why);
  }
  const readAny = (file: string): string | undefined => {
    if (files.has(file)) return files.get(file);
    const content = readRegular(path.join(absolute, ...file.split('/')));
    const text = content === undefined ? undefined : textOf(content);
    return typeof text === 'string' ? text : undefined;
  };
  const existsAny = (file: string): boolean => {
    try {
      lstatSync(path.join(absolute, ...file.split('/')));
      return true;
    } catch {
      return false;
    }
  };
  return view(absolute, files, skipped, { get: readAny, has: existsAny }, listed !== undefined);
}

function view(root: string | undefined, files: Map<string, string>, skipped: Map<string, string>, all: { get(file: string): string | undefined; has(file: string): boolean } | Map<string, string | undefined>, fromGit: boolean): ProjectView {
  const folders = all instanceof Map ? new Set([...all.keys()].flatMap((file) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/')))) : undefined;
  const parse = (file: string): Record<string, unknown> | undefined => {
    const text = all.get(file);
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text) as unknown;
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  let sources: ProjectFile[] | undefined;
  return {
    root,
    files,
    skipped,
    fromGit,
    exists: (file) => all.has(file) || (folders?.has(file.replace(/\/$/, '')) ?? false),
    read: (file) => all.get(file),
    sources: () => (sources ??= [...files].filter(([file]) => SOURCE.test(file) && !NOT_SOURCE.test(file)).map(([file, text]) => ({ path: file, text }))),
    packageJson: parse('package.json'),
    manifest: parse('secure-mcp.json'),
  };
}

function textOf(content: string | Buffer): string | { why: string } {
  if (typeof content === 'string') return content.length > MAX_FILE_BYTES ? { why: 'larger than 1 MiB' } : content;
  if (content.length > MAX_FILE_BYTES) return { why: 'larger than 1 MiB' };
  if (content.subarray(0, 8192).includes(0)) return { why: 'binary' };
  return content.toString('utf8');
}

/** Tracked files plus untracked ones git would add, or undefined outside a git work tree (or without git). */
function gitFiles(root: string): string[] | undefined {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
    if (path.resolve(top) !== root && !root.startsWith(path.resolve(top) + path.sep)) return undefined;
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
    return [...new Set(out.split('\0').filter((f) => f !== ''))].sort();
  } catch {
    return undefined;
  }
}

function walk(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, prefix: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length > MAX_FILES * 2) return;
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!NEVER_READ.has(entry.name)) visit(path.join(dir, entry.name), rel);
      } else if (entry.isFile()) found.push(rel);
      // symbolic links and special files are never followed
    }
  };
  visit(root, '');
  return found.sort();
}

function readRegular(file: string): Buffer | undefined {
  try {
    const stat = lstatSync(file);
    if (!stat.isFile()) return undefined;
    if (stat.size > MAX_FILE_BYTES) return Buffer.alloc(MAX_FILE_BYTES + 1);
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function readSmall(file: string): string | undefined {
  const content = readRegular(file);
  return content === undefined || content.length > MAX_FILE_BYTES ? undefined : content.toString('utf8');
}
