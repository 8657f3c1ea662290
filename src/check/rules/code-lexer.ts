/**
 * A tolerant, linear-time reading aid for the code rules. Guards against matching inside strings,
 * comments and regex literals (a string that says "eval(" is not a call to eval), and against rules
 * that crash or hang on code they do not understand (minified files, huge lines, unterminated strings):
 * every function here is linear or bounded and never throws.
 *
 * `maskCode` keeps every index and newline: comments become spaces, the contents of strings and regex
 * literals become spaces (their quotes stay), template text becomes spaces while `${…}` expressions
 * stay as code. So an index in the masked text is the same line and column in the file.
 */
import { lineText } from '../source-scan.js';
import type { Evidence, ProjectFile } from '../types.js';

const REGEX_BEFORE = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^', '']);
const REGEX_KEYWORDS = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|void|yield|await|throw|delete|instanceof)$/;

/** The text with comments, string/template text and regex bodies blanked (see the header). */
export function maskCode(text: string, keepLiterals = false): string {
  const out = text.split('');
  const n = text.length;
  const blankComment = (from: number, to: number): void => {
    for (let k = from; k < to && k < n; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const blank = (from: number, to: number): void => {
    if (keepLiterals) return;
    for (let k = from; k < to && k < n; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  // Stack of open template literals: each entry is the brace depth at which its `${` was opened.
  const templates: number[] = [];
  let braceDepth = 0;
  let lastSignificant = '';
  let lastWordEnd = -1;
  let i = 0;
  const scanTemplate = (start: number): number => {
    // start is just after a ` or a } closing a ${ }; returns the index after the template part.
    let k = start;
    while (k < n) {
      const c = text[k];
      if (c === '\\') {
        blank(k, k + 2);
        k += 2;
        continue;
      }
      if (c === '`') return k + 1;
      if (c === '$' && text[k + 1] === '{') {
        templates.push(braceDepth);
        braceDepth++;
        return k + 2;
      }
      if (c !== '\n' && !keepLiterals) out[k] = ' ';
      k++;
    }
    return n;
  };
  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      blankComment(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      blankComment(i, stop);
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < n && text[k] !== c && text[k] !== '\n') k += text[k] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(k, n));
      i = k < n && text[k] === c ? k + 1 : k;
      lastSignificant = c;
      continue;
    }
    if (c === '`') {
      i = scanTemplate(i + 1);
      lastSignificant = '`';
      continue;
    }
    if (c === '/') {
      const before = text.slice(Math.max(0, lastWordEnd - 12), lastWordEnd);
      const isRegex = REGEX_BEFORE.has(lastSignificant) || (lastSignificant === 'w' && REGEX_KEYWORDS.test(before));
      if (isRegex) {
        let k = i + 1;
        let inClass = false;
        while (k < n && text[k] !== '\n') {
          const d = text[k];
          if (d === '\\') {
            k += 2;
            continue;
          }
          if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
          k++;
        }
        if (k < n && text[k] === '/') {
          blank(i + 1, k);
          i = k + 1;
          while (i < n && /[a-z]/.test(text[i] as string)) i++;
          lastSignificant = ')';
          continue;
        }
      }
      lastSignificant = '/';
      i++;
      continue;
    }
    if (c === '{') braceDepth++;
    else if (c === '}') {
      braceDepth--;
      if (templates.length > 0 && templates[templates.length - 1] === braceDepth) {
        templates.pop();
        i = scanTemplate(i + 1);
        lastSignificant = '`';
        continue;
      }
    }
    if (/[\w$]/.test(c)) {
      let k = i;
      while (k < n && /[\w$]/.test(text[k] as string)) k++;
      lastSignificant = 'w';
      lastWordEnd = k;
      i = k;
      continue;
    }
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') lastSignificant = c;
    i++;
  }
  return out.join('');
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Every bracket pair of a masked text, found in one pass (a closer that does not match the open bracket is ignored). */
const pairCache = new Map<string, Int32Array>();
function bracketPairs(code: string): Int32Array {
  const hit = pairCache.get(code);
  if (hit !== undefined) return hit;
  const pairs = new Int32Array(code.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) stack.push(i);
    else if (c === 41 || c === 93 || c === 125) {
      const top = stack[stack.length - 1];
      if (top === undefined) continue;
      const want = code.charCodeAt(top) === 40 ? 41 : code.charCodeAt(top) === 91 ? 93 : 125;
      if (want !== c) continue;
      stack.pop();
      pairs[top] = i;
      pairs[i] = top;
    }
  }
  if (pairCache.size >= 8) pairCache.delete(pairCache.keys().next().value as string);
  pairCache.set(code, pairs);
  return pairs;
}

/** Index of the bracket closing the one at `open` in masked code, or -1 (unbalanced). */
export function matchBracket(code: string, open: number): number {
  if (open < 0 || open >= code.length) return -1;
  const close = bracketPairs(code)[open] ?? -1;
  return close > open ? close : -1;
}

/** Index of the innermost unclosed `{` before `index` in masked code (looking back at most `lookback` characters), or -1. */
export function enclosingBrace(code: string, index: number, lookback = 100_000): number {
  let depth = 0;
  for (let i = index - 1; i >= 0 && index - i < lookback; i--) {
    const c = code[i];
    if (c === '}' || c === ')' || c === ']') depth++;
    else if (c === '(' || c === '[') depth = Math.max(0, depth - 1);
    else if (c === '{') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

export interface Span {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** Top-level comma-separated parts of code[start, end) (an argument list's or object's inside), trimmed. */
export function splitTopLevel(code: string, start: number, end: number): Span[] {
  const parts: Span[] = [];
  const pairs = bracketPairs(code);
  let from = start;
  const push = (to: number): void => {
    let s = from;
    let e = to;
    while (s < e && /\s/.test(code[s] as string)) s++;
    while (e > s && /\s/.test(code[e - 1] as string)) e--;
    if (e > s) parts.push({ start: s, end: e });
  };
  for (let i = start; i < end; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') {
      const close = pairs[i] ?? -1;
      if (close > i && close < end) i = close;
    } else if (c === ',') {
      push(i);
      from = i + 1;
      if (parts.length > 1000) return parts;
    }
  }
  push(end);
  return parts;
}

export interface Call {
  /** Index of the callee match. */
  readonly index: number;
  /** Index of `(`. */
  readonly open: number;
  /** Index of the matching `)` (or the end of the text when unbalanced). */
  readonly close: number;
  readonly args: Span[];
}

/** The call whose `(` is at `open`. */
export function callAt(code: string, index: number, open: number): Call {
  const matched = matchBracket(code, open);
  const close = matched === -1 ? Math.min(code.length, open + 2_000) : matched;
  return { index, open, close, args: splitTopLevel(code, open + 1, close) };
}

export interface Prop {
  readonly key: string;
  /** The whole property (key included). */
  readonly span: Span;
  /** The value (for a method: its whole text; for a shorthand: the name). */
  readonly value: Span;
  readonly method: boolean;
}

/** Properties of the object literal whose `{` is at `open` (masked code for structure, text for quoted keys). */
export function objectProps(code: string, text: string, open: number): Map<string, Prop> {
  const props = new Map<string, Prop>();
  const close = matchBracket(code, open);
  if (close === -1) return props;
  for (const part of splitTopLevel(code, open + 1, close)) {
    const head = text.slice(part.start, Math.min(part.end, part.start + 200));
    const m = /^(?:(?:async|get|set|static)\s+)*\*?\s*(?:([A-Za-z_$][\w$]*)|'([^']*)'|"([^"]*)")\s*([:(]|$)?/.exec(head);
    if (m === null) continue;
    const key = m[1] ?? m[2] ?? m[3] ?? '';
    const sep = m[4];
    if (sep === ':') {
      let v = part.start + m[0].length;
      while (v < part.end && /\s/.test(code[v] as string)) v++;
      props.set(key, { key, span: part, value: { start: v, end: part.end }, method: false });
    } else if (sep === '(') props.set(key, { key, span: part, value: part, method: true });
    else if (m[0].length === part.end - part.start) props.set(key, { key, span: part, value: part, method: false });
  }
  return props;
}

/** The initializer of `const|let|var NAME = …` in masked code (up to `;` or a line end at depth 0). */
const declCache = new Map<string, Map<string, Span | null>>();
export function declaration(code: string, name: string): Span | undefined {
  let perCode = declCache.get(code);
  if (perCode === undefined) {
    perCode = new Map();
    if (declCache.size >= 16) declCache.delete(declCache.keys().next().value as string);
    declCache.set(code, perCode);
  }
  const known = perCode.get(name);
  if (known !== undefined) return known ?? undefined;
  const found = findDeclaration(code, name);
  perCode.set(name, found ?? null);
  return found;
}

function findDeclaration(code: string, name: string): Span | undefined {
  const re = new RegExp(`\\b(?:const|let|var)\\s+${name.replace(/\$/g, '\\$')}\\s*(?::[^=;\\n]{1,200})?=(?!=)\\s*`, 'g');
  const m = re.exec(code);
  if (m === null) return undefined;
  const start = m.index + m[0].length;
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return { start, end: i };
      depth--;
    } else if (depth === 0 && (c === ';' || c === ',')) return { start, end: i };
    else if (depth === 0 && c === '\n') {
      const rest = code.slice(i + 1, i + 200).trimStart();
      if (!/^[.?:+\-*|&]/.test(rest)) return { start, end: i };
    }
  }
  return { start, end: code.length };
}

/** Whether the span of masked code is one plain string literal (quotes, or a template without `${`). */
export function isPlainLiteral(code: string, span: Span): boolean {
  const s = code.slice(span.start, span.end).trim();
  if (s.length < 2) return false;
  const q = s[0];
  if ((q === '"' || q === "'" || q === '`') && s[s.length - 1] === q) return !s.slice(1, -1).includes(q) && !s.includes('${');
  return false;
}

/** The masked code of every source, computed once per file text. */
const cache = new WeakMap<object, string>();
export function masked(file: ProjectFile): string {
  let m = cache.get(file);
  if (m === undefined) {
    m = maskCode(file.text);
    cache.set(file, m);
  }
  return m;
}

const commentCache = new WeakMap<object, string>();
/** The file's text with only comments blanked (strings kept), computed once per file. */
export function withoutComments(file: ProjectFile): string {
  let m = commentCache.get(file);
  if (m === undefined) {
    m = maskCode(file.text, true);
    commentCache.set(file, m);
  }
  return m;
}

const lineStartCache = new Map<string, number[]>();
function lineStarts(text: string): number[] {
  let starts = lineStartCache.get(text);
  if (starts === undefined) {
    starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    if (lineStartCache.size >= 64) lineStartCache.delete(lineStartCache.keys().next().value as string);
    lineStartCache.set(text, starts);
  }
  return starts;
}

/** 1-based line of an index (binary search over cached line starts: cheap on huge files). */
export function lineAt(text: string, index: number): number {
  const starts = lineStarts(text);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The raw text of a 1-based line (no split of the whole file). */
export function rawLine(text: string, line: number): string {
  const starts = lineStarts(text);
  const start = starts[line - 1] ?? text.length;
  const next = starts[line];
  return text.slice(start, next === undefined ? text.length : next - 1);
}

/** Evidence at an index of a file (line and masked source line). */
export function evidenceAt(file: ProjectFile, index: number): Evidence {
  const line = lineAt(file.text, index);
  const raw = rawLine(file.text, line);
  // Long (minified) lines: the part around the index, not the line's first characters.
  const column = index - (lineStarts(file.text)[line - 1] ?? 0);
  const part = raw.length > 400 ? raw.slice(Math.max(0, column - 40), column + 200) : raw;
  return { file: file.path, line, snippet: lineText(part, 1) };
}

/** Every match of `pattern` in the masked code of the files. */
export function findInCode(files: readonly ProjectFile[], pattern: RegExp): { file: ProjectFile; index: number; match: RegExpExecArray }[] {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const found: { file: ProjectFile; index: number; match: RegExpExecArray }[] = [];
  for (const file of files) {
    const code = masked(file);
    const re = new RegExp(pattern.source, flags);
    for (let m = re.exec(code); m !== null; m = re.exec(code)) {
      found.push({ file, index: m.index, match: m });
      if (m[0].length === 0) re.lastIndex++;
      if (found.length > 5000) return found;
    }
  }
  return found;
}

/** Relative imports of a file, resolved against the project's files (`./x.js` → `x.ts` etc.). */
export function relativeImports(file: ProjectFile, paths: ReadonlySet<string>): string[] {
  const code = withoutComments(file);
  const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : '';
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"\n]{1,300})\1/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) {
    // `import type … from` / `export type … from` load nothing at run time.
    const head = Math.max(code.lastIndexOf('import', m.index), code.lastIndexOf('export', m.index));
    if (head !== -1 && m.index - head < 2000 && /^(?:import|export)\s+type\s/.test(code.slice(head, head + 20))) continue;
    const target = resolveRelative(dir, m[2] as string, paths);
    if (target !== undefined) out.push(target);
  }
  return out;
}

/** Module specifiers a file imports or requires (packages and relative paths alike). */
export function importedSpecifiers(file: ProjectFile): string[] {
  const code = withoutComments(file);
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]{1,300})\1/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) out.push(m[2] as string);
  return out;
}

export function resolveRelative(dir: string, spec: string, paths: ReadonlySet<string>): string | undefined {
  const parts = dir === '' ? [] : dir.split('/');
  for (const seg of spec.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  const base = parts.join('/');
  const stem = base.replace(/\.(?:[cm]?js|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, `${stem}.js`, `${stem}.mjs`, `${stem}.cjs`, `${stem}.jsx`, `${base}/index.ts`, `${base}/index.js`];
  return candidates.find((c) => paths.has(c));
}
