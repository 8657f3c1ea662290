/**
 * The default text three-way merge for `update`: `git merge-file -p` on temporary copies (no
 * repository needed, no shell, temp folder removed in all cases). Guards against a hand-rolled diff
 * silently dropping one side's change: git either merges cleanly or writes standard conflict markers,
 * and its exit status (the conflict count) is checked, so a failed run throws instead of passing
 * off an empty or partial file as the merge.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface MergeLabels {
  readonly ours: string;
  readonly base: string;
  readonly theirs: string;
}

export interface MergeTextResult {
  /** The merged text, with conflict markers where the sides overlap. */
  readonly text: string;
  /** Number of conflict regions (0: clean). */
  readonly conflicts: number;
}

export type MergeText = (
  ours: string,
  base: string,
  theirs: string,
  labels: MergeLabels,
) => MergeTextResult | Promise<MergeTextResult>;

/** Labels used in conflict markers unless the caller passes its own. */
export const DEFAULT_LABELS: MergeLabels = { ours: 'yours', base: 'base', theirs: 'template' };

const MAX_OUTPUT = 256 * 1024 * 1024;

/** Three-way merge of `ours` and `theirs` from `base` with `git merge-file -p`. Throws when git fails or is missing. */
export async function gitMergeText(ours: string, base: string, theirs: string, labels: MergeLabels = DEFAULT_LABELS): Promise<MergeTextResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'secure-mcp-merge-'));
  try {
    const oursFile = path.join(dir, 'ours');
    const baseFile = path.join(dir, 'base');
    const theirsFile = path.join(dir, 'theirs');
    await Promise.all([writeFile(oursFile, ours, 'utf8'), writeFile(baseFile, base, 'utf8'), writeFile(theirsFile, theirs, 'utf8')]);
    const args = [
      // The user's git config must not change the marker style (diff3/zdiff3 add a base section).
      '-c',
      'merge.conflictStyle=merge',
      'merge-file',
      '-p',
      '-L',
      labels.ours,
      '-L',
      labels.base,
      '-L',
      labels.theirs,
      oursFile,
      baseFile,
      theirsFile,
    ];
    return await new Promise<MergeTextResult>((resolve, reject) => {
      execFile('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: MAX_OUTPUT, windowsHide: true }, (error, stdout, stderr) => {
        if (error === null) {
          resolve({ text: stdout, conflicts: 0 });
          return;
        }
        const code = error.code;
        // Exit status = number of conflicts (git caps it at 127); ≥128 (a negative status) is an error.
        if (typeof code === 'number' && code > 0 && code < 128 && error.signal == null) {
          resolve({ text: stdout, conflicts: code });
          return;
        }
        const detail = typeof stderr === 'string' && stderr.trim() !== '' ? `: ${stderr.trim()}` : '';
        reject(new Error(`git merge-file failed (${String(code ?? error.signal ?? error.message)})${detail}`, { cause: error }));
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
