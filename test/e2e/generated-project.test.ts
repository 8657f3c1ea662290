// The whole promise, end to end: generate, install, build, typecheck, and run the generated project's own
// security tests, for the --yes project (both + api-key) and for http + oauth + redis with every tool.
// A sample of other combinations is typechecked against the same dependencies (`npm run test:matrix`
// typechecks every combination).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allValidSpecs, specLabel } from '../../src/spec/matrix.js';
import { runCli } from '../support/cli.js';
import { npm, SUPERSET_FLAGS, typecheckCombination } from '../support/generated.js';

let work: string;
const projects = {
  yes: { dir: 'e2e-yes', flags: ['--yes'] },
  superset: { dir: 'e2e-oauth-redis', flags: ['--yes', ...SUPERSET_FLAGS] },
} as const;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-e2e-'));
  for (const { dir, flags } of Object.values(projects)) {
    const run = runCli([dir, ...flags, '--no-git'], { cwd: work, env: { npm_config_user_agent: 'npm/11 node/v20' } });
    if (run.status !== 0) throw new Error(`generating ${dir} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(Object.entries(projects))('the %s project', (_name, { dir }) => {
  it('was installed and built by the generator', () => {
    const project = path.join(work, dir);
    expect(existsSync(path.join(project, 'node_modules', '@modelcontextprotocol', 'server'))).toBe(true);
    expect(existsSync(path.join(project, 'package-lock.json'))).toBe(true);
    expect(existsSync(path.join(project, 'dist', 'server.js'))).toBe(true);
  });

  it('typechecks', () => {
    const result = npm(['run', 'typecheck'], path.join(work, dir));
    expect(result.status, result.output).toBe(0);
  });

  it('passes its own security tests', () => {
    const result = npm(['test'], path.join(work, dir), { CI: process.env.CI ?? '' });
    expect(result.status, result.output.slice(-8000)).toBe(0);
    expect(result.output).toMatch(/Tests\s+\d+ passed/);
    expect(result.output).not.toMatch(/\d+ failed/);
  }, 900_000);
});

/** One combination per transport × auth, rotating through stores and tool sets, so each pairing compiles. */
const SAMPLE = (() => {
  const groups = new Map<string, ReturnType<typeof allValidSpecs>>();
  for (const spec of allValidSpecs()) {
    const key = `${spec.transport}/${spec.auth}`;
    groups.set(key, [...(groups.get(key) ?? []), spec]);
  }
  return [...groups.values()].map((group, i) => group[(i * 5) % group.length]!);
})();

describe.each(SAMPLE.map((spec) => [specLabel(spec), spec] as const))('combination %s', (_label, spec) => {
  it('compiles against the same dependencies', () => {
    const result = typecheckCombination(spec, work, `combo-${Math.random().toString(36).slice(2, 8)}`, path.join(work, projects.superset.dir));
    expect(result.status, result.output).toBe(0);
  }, 120_000);
});
