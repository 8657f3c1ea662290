// `npm run test:matrix`: renders EVERY valid option combination and typechecks it against one installed
// project that has every dependency. Combinations are checked in batches, one tsc program per batch
// (typecheckTogether): the dependencies' declarations are parsed once per batch instead of once per
// combination, each combination's own files still checked with its own tsconfig.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allValidSpecs, specLabel } from '../../src/options/matrix.js';
import { runCli } from '../support/cli.js';
import { addSqliteTypes, flagsFor, SUPERSET_FLAGS, typecheckTogether } from '../support/generated.js';

/** Combinations per tsc program: larger batches share more parsing but hold more in memory (~60 MB each). */
const BATCH = 16;
const specs = allValidSpecs();

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-matrix-'));
  const run = runCli(['superset', '--yes', '--no-git', ...SUPERSET_FLAGS], { cwd: work });
  if (run.status !== 0) throw new Error(`generating the superset project failed:\n${run.stderr}`);
  const types = addSqliteTypes(path.join(work, 'superset'));
  if (types.status !== 0) throw new Error(`adding @types/better-sqlite3 failed:\n${types.output}`);
  symlinkSync(path.join(work, 'superset', 'node_modules'), path.join(work, 'node_modules'), 'dir');
}, 900_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Each batch is rendered and typechecked once, by the first of its combinations' tests that runs. */
const batches = new Map<number, Map<string, string[]>>();
function errorsOf(i: number): string[] {
  const start = i - (i % BATCH);
  let result = batches.get(start);
  if (result === undefined) {
    const dirs: string[] = [];
    const failed = new Map<string, string[]>();
    for (let j = start; j < Math.min(start + BATCH, specs.length); j++) {
      const dir = `combo-${j}`;
      const spec = specs[j];
      if (spec === undefined) continue;
      const run = runCli([dir, '--no-install', '--no-git', ...flagsFor(spec)], { cwd: work });
      if (run.status === 0) dirs.push(dir);
      else failed.set(dir, [`generation failed:\n${run.stderr}`]);
    }
    result = new Map([...(dirs.length > 0 ? typecheckTogether(work, dirs) : []), ...failed]);
    batches.set(start, result);
  }
  return result.get(`combo-${i}`) ?? [`combo-${i} was not checked`];
}

describe.each(specs.map((spec, i) => [specLabel(spec), i] as const))('%s', (_label, i) => {
  it('typechecks', () => {
    expect(errorsOf(i).join('\n')).toBe('');
  }, 900_000);
});
