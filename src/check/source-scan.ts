/**
 * Small, dependency-free reading aids for rules. Guards against the two classic scanner mistakes:
 * matching inside comments (a comment that says "never use eval" is not a call to eval) and reporting
 * the wrong line. Comments are blanked to spaces, keeping every newline, so an index in the masked text
 * is the same line and column in the file. Strings stay (rules often look for them); regex literals are
 * not parsed: a `//` inside one may blank the rest of its line, which only hides, never invents, a match.
 */
import type { Evidence, ProjectFile } from './types.js';

/** The text with // and block comments replaced by spaces (newlines kept); strings and templates untouched. */
export function maskComments(text: string): string {
  const out = text.split('');
  let i = 0;
  let quote: string | undefined;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (quote !== undefined) {
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === quote) quote = undefined;
      else if (c === '\n' && quote !== '`') quote = undefined; // an unterminated string ends at the line
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      i++;
      continue;
    }
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') out[i++] = ' ';
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
      continue;
    }
    i++;
  }
  return out.join('');
}

/** 1-based line of a character index. */
export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The trimmed source line (at most 160 characters), with long secret-looking runs masked. */
export function lineText(text: string, line: number): string {
  const raw = (text.split('\n')[line - 1] ?? '').trim();
  return maskSecrets(raw.length > 160 ? `${raw.slice(0, 157)}...` : raw);
}

/**
 * Replaces the middle of every key-like run (16+ characters of a key alphabet that mixes letters and
 * digits), so evidence never repeats a secret; ordinary identifiers (`declaredLengthLimit`) stay readable.
 */
export function maskSecrets(value: string): string {
  return value.replace(/[A-Za-z0-9_\-+/=]{16,}/g, (run) => (/[0-9]/.test(run) && /[A-Za-z]/.test(run) ? `${run.slice(0, 4)}…${run.slice(-2)}` : run));
}

export interface Match {
  readonly file: string;
  readonly index: number;
  readonly line: number;
  readonly match: RegExpExecArray;
}

/** Every match of `pattern` (given the g flag or not) in the comment-masked text of each file. */
export function findInSources(files: readonly ProjectFile[], pattern: RegExp): Match[] {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const matches: Match[] = [];
  for (const file of files) {
    const masked = maskComments(file.text);
    const re = new RegExp(pattern.source, flags);
    for (let m = re.exec(masked); m !== null; m = re.exec(masked)) {
      matches.push({ file: file.path, index: m.index, line: lineOf(masked, m.index), match: m });
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  return matches;
}

/** Evidence for a match: its file, line and (masked) source line. */
export function evidenceOf(match: Match, files: readonly ProjectFile[] | ReadonlyMap<string, string>): Evidence {
  const text = files instanceof Map ? files.get(match.file) : (files as readonly ProjectFile[]).find((f) => f.path === match.file)?.text;
  return { file: match.file, line: match.line, snippet: text === undefined ? undefined : lineText(text, match.line) } as Evidence;
}

/** At most `max` evidence entries (a report lists examples, not thousands of lines). */
export function firstEvidence(list: readonly Evidence[], max = 5): Evidence[] {
  return list.slice(0, max);
}
