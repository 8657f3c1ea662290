// The whole promise, end to end: generate with --yes, install, build, typecheck, and run the generated
// project's own security tests. Every other option combination is rendered beside it and typechecked
// against the same node_modules, so no combination ships TypeScript that does not compile.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allValidSpecs, specLabel } from '../../src/spec/matrix.js';
import { runCli } from '../support/cli.js';

let work: string;
let project: string;

function npm(args: string[], cwd: string) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 900_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-e2e-'));
  const run = runCli(['e2e-server', '--yes', '--no-git'], { cwd: work, env: { npm_config_user_agent: 'npm/11 node/v20' } });
  if (run.status !== 0) throw new Error(`generation failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  project = path.join(work, 'e2e-server');
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a project generated with --yes', () => {
  it('was installed and built by the generator', () => {
    expect(existsSync(path.join(project, 'node_modules', '@modelcontextprotocol', 'server'))).toBe(true);
    expect(existsSync(path.join(project, 'package-lock.json'))).toBe(true);
    expect(existsSync(path.join(project, 'dist', 'transports', 'stdio.js'))).toBe(true);
  });

  it('typechecks', () => {
    const result = npm(['run', 'typecheck'], project);
    expect(result.status, result.output).toBe(0);
  });

  it("passes its own security tests", () => {
    const result = npm(['test'], project);
    expect(result.status, result.output.slice(-6000)).toBe(0);
    expect(result.output).toMatch(/Tests\s+\d+ passed/);
    expect(result.output).not.toMatch(/\d+ failed/);
  }, 600_000);
});

describe.each(allValidSpecs().map((spec) => [specLabel(spec), spec] as const))('combination %s', (_label, spec) => {
  it('compiles against the same dependencies', () => {
    const dir = path.join(work, `combo-${Math.random().toString(36).slice(2, 8)}`);
    const args = [path.basename(dir), '--no-install', '--no-git', '--transport', spec.transport, '--storage', spec.storage, `--tools=${spec.tools.join(',')}`];
    const run = runCli(args, { cwd: work });
    expect(run.status, run.stderr).toBe(0);
    symlinkSync(path.join(project, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const result = npm(['run', 'typecheck'], dir);
    expect(result.status, result.output).toBe(0);
  }, 120_000);
});
