// `check` on MCP servers no one here wrote, fetched from the npm registry in the test: a project made
// by another scaffolder (the official @modelcontextprotocol/create-server) and the official "everything"
// reference server (a published package: its dist is its code). check must run, report useful findings
// (printed, so the note can quote them) and never crash on code it does not understand: no item may end
// "could not run" because a rule threw.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

interface Item {
  id: string;
  status: string;
  message: string;
  evidence: Array<{ file?: string; line?: number }>;
}

let work: string;
const projects: Record<string, string> = {};

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'csm-foreign-'));
  // 1. A project made by another MCP scaffolder (its flags answer every question; no TTY needed).
  const made = spawnSync('npx', ['-y', '@modelcontextprotocol/create-server@0.3.1', 'peer-made', '--name', 'peer-made', '--description', 'A server made by the official scaffolder'], {
    cwd: work,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
  if (made.status !== 0) throw new Error(`create-server failed (${made.status}): ${made.stderr}`);
  projects.scaffolded = path.join(work, 'peer-made');
  // 2. The official reference server, as published.
  const dir = path.join(work, 'everything');
  mkdirSync(dir);
  const tarball = execFileSync('npm', ['pack', '@modelcontextprotocol/server-everything@2026.8.31', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: dir, encoding: 'utf8', timeout: 120_000 }).trim().split('\n').at(-1) as string;
  execFileSync('tar', ['-xzf', path.join(dir, tarball), '-C', dir]);
  projects.everything = path.join(dir, 'package');
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function check(project: string): Item[] {
  const run = runCli(['check', project, '--json', '--offline'], { cwd: work });
  expect([0, 1], run.stderr).toContain(run.status);
  const items = (JSON.parse(run.stdout) as { items: Item[] }).items;
  // For the note: what check says about a server it did not make.
  const findings = items.filter((i) => i.status === 'fail' || i.status === 'warn');
  process.stderr.write(`\n[check ${path.basename(project)}] ${findings.length} findings:\n${findings.map((i) => `  ${i.status} ${i.id} ${i.message}${i.evidence[0]?.file ? ` (${i.evidence[0].file}:${i.evidence[0].line ?? ''})` : ''}`).join('\n')}\n`);
  return items;
}

describe('check on servers no one here wrote', () => {
  it('a project made by @modelcontextprotocol/create-server: runs, finds its tools and what it lacks, never crashes', () => {
    const items = check(projects.scaffolded as string);
    expect(items.filter((i) => i.message.startsWith('The check itself failed'))).toEqual([]);
    const byId = new Map(items.map((i) => [i.id, i]));
    // It is a stdio server with tools and no audit log: check must see the tools and the missing audit.
    expect(byId.get('SMCP-AUDIT-001')?.status).toBe('fail');
    expect(byId.get('SMCP-TOOL-001')?.status).not.toBe('not-applicable');
    expect(byId.get('SMCP-DEPS-001')?.status).toBe('fail'); // no lockfile
  }, 120_000);

  it('the published @modelcontextprotocol/server-everything: its dist is read, findings with file and line', () => {
    const items = check(projects.everything as string);
    expect(items.filter((i) => i.message.startsWith('The check itself failed'))).toEqual([]);
    const located = items.filter((i) => (i.status === 'fail' || i.status === 'warn') && i.evidence.some((e) => e.file?.startsWith('dist/')));
    expect(located.length).toBeGreaterThan(0);
  }, 120_000);
});
