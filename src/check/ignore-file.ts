/**
 * .gitignore and .dockerignore patterns, evaluated the way git does for the cases projects use: blank
 * lines and # comments skipped, `!` re-includes, a trailing `/` matches folders only, a pattern with a
 * `/` before its end is anchored to the root (a leading `/` only anchors), `*` and `?` stay within one
 * segment, `**` spans segments, and a path is ignored when it or any folder above it is. Guards against
 * `check` trusting a secret to be ignored when the patterns do not really cover it (and against
 * flagging a file the project does ignore).
 */

interface Pattern {
  readonly negate: boolean;
  readonly dirOnly: boolean;
  readonly regex: RegExp;
}

export interface IgnoreRules {
  /** Whether `path` (POSIX, relative to the root) is ignored; `isDir` for a folder. */
  ignores(path: string, isDir?: boolean): boolean;
  /** No pattern at all (no file, or only comments). */
  readonly empty: boolean;
}

export function parseIgnore(text: string | undefined, flavour: 'git' | 'docker' = 'git'): IgnoreRules {
  const patterns: Pattern[] = [];
  for (const rawLine of (text ?? '').split(/\r?\n/)) {
    let line = rawLine.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    }
    if (line.startsWith('\\')) line = line.slice(1);
    // Docker: every pattern is relative to the root; a leading ./ or / means nothing more.
    if (flavour === 'docker') line = line.replace(/^(\.\/|\/)+/, '/');
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    if (line === '') continue;
    const anchored = flavour === 'docker' || line.slice(0, -1).includes('/') || line.startsWith('/');
    const body = line.replace(/^\//, '');
    patterns.push({ negate, dirOnly, regex: new RegExp(`^${anchored ? '' : '(?:.*/)?'}${globToRegex(body)}$`) });
  }
  return {
    empty: patterns.length === 0,
    ignores(path, isDir = false) {
      const segments = path.split('/').filter((s) => s !== '');
      // A path is ignored if it, or a folder above it, is (git cannot re-include below an ignored folder).
      for (let i = 1; i <= segments.length; i++) {
        const prefix = segments.slice(0, i).join('/');
        const prefixIsDir = i < segments.length || isDir;
        if (matches(patterns, prefix, prefixIsDir)) return true;
      }
      return false;
    },
  };
}

function matches(patterns: readonly Pattern[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const pattern of patterns) {
    if (pattern.dirOnly && !isDir) continue;
    if (pattern.regex.test(path)) ignored = !pattern.negate;
  }
  return ignored;
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` any folders (or none), `/**` everything below, a lone `**` anything.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[i + 1] as string);
      i++;
    } else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
