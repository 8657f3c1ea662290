// Settings of the files tools. Guards against a sandbox root that depends on the working directory (a
// relative FILES_ROOT resolves from the project root) and against unbounded reads (FILES_MAX_BYTES has
// a hard maximum). Every problem names its variable.
import path from 'node:path';

export interface FilesConfig {
  /** FILES_ROOT, absolute: the only folder the files tools can see. */
  root: string;
  /** FILES_MAX_BYTES: the largest file read_file returns. */
  maxBytes: number;
}

const MiB = 1024 * 1024;
const MAX_BYTES = { min: 1, max: 100 * MiB, default: MiB } as const;

export function parseFilesConfig(env: Record<string, string | undefined>, ctx: { root: string; problems: string[] }): FilesConfig | undefined {
  const start = ctx.problems.length;
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };

  const root = value('FILES_ROOT') ?? './sandbox';
  if (root.length > 4096) ctx.problems.push('FILES_ROOT is too long');
  if (root.includes('\0')) ctx.problems.push('FILES_ROOT must not contain NUL');

  let maxBytes: number = MAX_BYTES.default;
  const rawMax = value('FILES_MAX_BYTES');
  if (rawMax !== undefined) {
    if (!/^\d{1,12}$/.test(rawMax)) ctx.problems.push('FILES_MAX_BYTES must be a whole number');
    else if (Number(rawMax) < MAX_BYTES.min || Number(rawMax) > MAX_BYTES.max) ctx.problems.push(`FILES_MAX_BYTES must be between ${MAX_BYTES.min} and ${MAX_BYTES.max}`);
    maxBytes = Number(rawMax);
  }

  if (ctx.problems.length > start) return undefined;
  return Object.freeze({ root: path.resolve(ctx.root, root), maxBytes });
}
