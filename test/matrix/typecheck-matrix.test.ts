// `npm run test:matrix`: renders EVERY valid option combination and typechecks it against one installed
// project that has every dependency. Slow (a tsc run per combination), so not part of `npm test`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allValidSpecs, specLabel } from '../../src/options/matrix.js';
import { runCli } from '../support/cli.js';
import { addSqliteTypes, SUPERSET_FLAGS, typecheckCombination } from '../support/generated.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-matrix-'));
  const run = runCli(['superset', '--yes', '--no-git', ...SUPERSET_FLAGS], { cwd: work });
  if (run.status !== 0) throw new Error(`generating the superset project failed:\n${run.stderr}`);
  const types = addSqliteTypes(path.join(work, 'superset'));
  if (types.status !== 0) throw new Error(`adding @types/better-sqlite3 failed:\n${types.output}`);
}, 900_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(allValidSpecs().map((spec, i) => [specLabel(spec), spec, i] as const))('%s', (_label, spec, i) => {
  it('typechecks', () => {
    const result = typecheckCombination(spec, work, `combo-${i}`, path.join(work, 'superset'));
    expect(result.status, result.output).toBe(0);
  }, 120_000);
});
