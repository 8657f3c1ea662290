/**
 * npm package-name rules, checked before the name reaches package.json or any template: a name that
 * npm would refuse, or one that is not URL-safe, never lands in a generated file.
 */
import { builtinModules } from 'node:module';

const RESERVED = new Set(['node_modules', 'favicon.ico']);
const MAX_LENGTH = 214;

/** Returns the reason a name is not a valid new npm package name, or undefined when it is valid. */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > MAX_LENGTH) return `the name is longer than ${MAX_LENGTH} characters`;
  if (name.trim() !== name) return 'the name has leading or trailing spaces';
  if (name !== name.toLowerCase()) return 'the name has capital letters';
  if (/[~'!()*]/.test(name)) return "the name has one of the characters ~'!()*";
  if (RESERVED.has(name)) return `"${name}" is reserved`;
  if (builtinModules.includes(name)) return `"${name}" is a Node.js core module name`;

  const scoped = /^@([^/]+)\/([^/]+)$/.exec(name);
  if (name.startsWith('@') && !scoped) return 'a scoped name must look like @scope/name';
  const parts = scoped ? [scoped[1] ?? '', scoped[2] ?? ''] : [name];
  for (const part of parts) {
    if (part.startsWith('.') || part.startsWith('_')) return 'the name cannot start with "." or "_"';
    if (encodeURIComponent(part) !== part) return 'the name has characters that are not URL-safe';
  }
  return undefined;
}

/**
 * Turns a folder name into a package name the way create-vite does ("My Server" → "my-server"), or
 * returns undefined when nothing valid is left.
 */
export function toPackageName(folderName: string): string | undefined {
  const candidate = folderName
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/^[._]+/, '')
    .replace(/[^a-z0-9~.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return candidate && packageNameProblem(candidate) === undefined ? candidate : undefined;
}
