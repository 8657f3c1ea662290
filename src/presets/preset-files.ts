/**
 * Reads a preset's `files` folder into memory. Guards against a preset that reaches outside itself (a
 * `files` path or a symlink leading elsewhere), that smuggles odd names (backslash, colon, NUL, `.`/`..`) into
 * project paths, that writes what the generator owns (secure-mcp.json, .env, .secrets/) or git's .git/,
 * and that is large enough to hurt (too many files, too large a file or in total).
 */
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';
import { compareCodeUnits } from './preset-hash.js';
import type { PresetFile } from './preset-types.js';

export const MAX_PRESET_FILES = 500;
export const MAX_PRESET_FILE_BYTES = 1024 * 1024;
export const MAX_PRESET_TOTAL_BYTES = 10 * 1024 * 1024;

/** Add-tool templates: copied into the project as they are (`.hbs` kept), rendered later by add tool. */
export const ADD_TOOL_TEMPLATES_DIR = '.secure-mcp/templates/';

/** True when `child` (absolute) is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Why a project path is not the preset's to write, or undefined when it may be. */
export function reservedPathProblem(projectPath: string): string | undefined {
  const lower = projectPath.toLowerCase();
  if (lower === 'secure-mcp.json') return 'the generator writes secure-mcp.json (it records the project and the preset)';
  if (lower === '.env') return 'the generator writes .env (it holds generated secrets)';
  if (lower === '.secrets' || lower.startsWith('.secrets/')) return 'the generator owns .secrets/ (generated keys and secrets)';
  if (lower === '.git' || lower.startsWith('.git/')) return 'git owns .git/';
  return undefined;
}

/**
 * Every file under `filesSetting` (resolved from `presetDir`), which must stay inside `root`; sorted by
 * project path. `label` names the preset in messages.
 */
export async function readPresetFiles(root: string, presetDir: string, filesSetting: string, label: string): Promise<PresetFile[]> {
  const fail = (message: string, hint?: string): never => {
    throw new CliError('USAGE', `Preset ${label}: ${message}`, { hint: hint ?? 'Fix the preset, or ask its maintainers to.' });
  };

  const realRoot = await realpath(root);
  const wanted = path.resolve(presetDir, filesSetting);
  if (!isInside(realRoot, path.resolve(await realpath(presetDir), filesSetting))) {
    fail(`"files": "${filesSetting}" leaves the preset's folder.`, '"files" must name a folder inside the preset, relative to the preset file.');
  }
  let realFiles: string;
  try {
    realFiles = await realpath(wanted);
  } catch {
    return fail(`"files": "${filesSetting}" does not exist.`, '"files" must name a folder inside the preset, relative to the preset file.');
  }
  if (!isInside(realRoot, realFiles)) {
    fail(`"files": "${filesSetting}" leaves the preset's folder (through a symbolic link).`, '"files" must name a real folder inside the preset.');
  }
  if (realFiles === realRoot) {
    fail(`"files": "${filesSetting}" is the preset's own folder.`, '"files" must name a subfolder (e.g. "./files"), so the preset file itself is not copied into projects.');
  }
  if (!(await lstat(realFiles)).isDirectory()) {
    fail(`"files": "${filesSetting}" is not a folder.`);
  }

  const found: PresetFile[] = [];
  const seen = new Map<string, string>();
  let total = 0;

  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = (await readdir(dir)).sort(compareCodeUnits);
    for (const name of names) {
      const sourcePath = prefix === '' ? name : `${prefix}/${name}`;
      // ':' too: on Windows `a:b` names a drive-relative path or an NTFS alternate data stream.
      if (name === '' || name === '.' || name === '..' || name.includes('\\') || name.includes('\0') || name.includes('/') || name.includes(':')) {
        fail(`the file name ${JSON.stringify(sourcePath)} in "files" is not allowed (backslash, colon, NUL, "." or "..").`);
      }
      const absolute = path.join(dir, name);
      const stats = await lstat(absolute);
      if (stats.isDirectory()) {
        await walk(absolute, sourcePath);
        continue;
      }
      if (!stats.isFile()) {
        const what = stats.isSymbolicLink() ? 'a symbolic link' : 'not a regular file or folder';
        fail(`"files" has ${sourcePath}, which is ${what}.`, 'A preset may hold only regular files and folders; copy the target in instead of linking it.');
      }
      if (found.length + 1 > MAX_PRESET_FILES) {
        fail(`"files" has more than ${MAX_PRESET_FILES} files.`);
      }
      if (stats.size > MAX_PRESET_FILE_BYTES) {
        fail(`${sourcePath} in "files" is larger than ${MAX_PRESET_FILE_BYTES / 1024 / 1024} MiB.`);
      }
      const content = await readFile(absolute);
      if (content.length > MAX_PRESET_FILE_BYTES) {
        fail(`${sourcePath} in "files" is larger than ${MAX_PRESET_FILE_BYTES / 1024 / 1024} MiB.`);
      }
      total += content.length;
      if (total > MAX_PRESET_TOTAL_BYTES) {
        fail(`the files in "files" are larger than ${MAX_PRESET_TOTAL_BYTES / 1024 / 1024} MiB in total.`);
      }

      const verbatim = sourcePath.startsWith(ADD_TOOL_TEMPLATES_DIR);
      const render = !verbatim && sourcePath.endsWith('.hbs');
      const projectPath = render ? sourcePath.slice(0, -'.hbs'.length) : sourcePath;
      if (projectPath === '' || projectPath.endsWith('/')) {
        fail(`${sourcePath} in "files" has no name once ".hbs" is removed.`);
      }
      const reserved = reservedPathProblem(projectPath);
      if (reserved !== undefined) {
        fail(`"files" has ${sourcePath}, but ${reserved}.`, 'Remove it from the preset; set options instead, or let the project create it.');
      }
      const key = projectPath.toLowerCase();
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        fail(`"files" has both ${earlier} and ${sourcePath}, which land on the same project path.`);
      }
      seen.set(key, sourcePath);
      found.push({ path: projectPath, content, render });
    }
  };
  await walk(realFiles, '');
  return found.sort((a, b) => compareCodeUnits(a.path, b.path));
}
