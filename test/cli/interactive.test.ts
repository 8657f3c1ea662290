// The questions, answered for real in a pseudo-terminal (util-linux `script`), as a person would:
// only open values are asked, answers land in the spec, Ctrl-C at a question leaves nothing.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';

const KEYS = { enter: '\r', down: '\u001b[B', space: ' ', ctrlC: '\u0003' };

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'csm-pty-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs the CLI in a pty; `script` answers each [prompt text, keys] pair once the prompt shows. */
async function converse(args: string[], script: ReadonlyArray<readonly [string, string]>): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...process.env, TERM: 'xterm', NO_COLOR: '1' } });
  let screen = '';
  child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let seen = 0;
  for (const [prompt, keys] of script) {
    for (let i = 0; i < 200; i++) {
      const at = screen.indexOf(prompt, seen);
      if (at >= 0) {
        seen = at + prompt.length;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (screen.indexOf(prompt) < 0) {
      child.kill('SIGKILL');
      throw new Error(`prompt "${prompt}" never appeared:\n${screen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    child.stdin.write(keys);
  }
  const code = await closed;
  return { code, screen: screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '') };
}

describe('interactive questions', () => {
  it('asks every open question and writes what was answered', async () => {
    const { code, screen } = await converse(['--no-install', '--no-git'], [
      ['Where should the project be created?', `asked-srv${KEYS.enter}`],
      ['How will clients reach the server?', KEYS.enter], // default: both
      ['How do HTTP clients authenticate?', `${KEYS.down}${KEYS.enter}`], // api-key → oauth
      ['Which database should the server use?', `${KEYS.down}${KEYS.enter}`], // sqlite → postgres
      ['Which tools should the server start with?', `${KEYS.down}${KEYS.down}${KEYS.space}${KEYS.enter}`], // files, notes + fetch
      ['Where are rate-limit counters kept?', `${KEYS.down}${KEYS.enter}`], // memory → redis
    ]);
    expect(code, screen).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(cwd, 'asked-srv', 'secure-mcp.json'), 'utf8'));
    expect(manifest.spec).toMatchObject({ name: 'asked-srv', transport: 'both', auth: 'oauth', storage: 'postgres', tools: ['files', 'notes', 'fetch'], rateLimitStore: 'redis' });
  }, 30_000);

  it('flags answer their questions: only the rest is asked', async () => {
    const { code, screen } = await converse(['flagged', '--transport', 'stdio', '--storage', 'none', '--no-install', '--no-git'], [
      ['Which tools should the server start with?', KEYS.enter],
    ]);
    expect(code, screen).toBe(0);
    expect(screen).not.toContain('How will clients reach the server?');
    expect(screen).not.toContain('authenticate');
    expect(screen).not.toContain('Which database');
    expect(existsSync(path.join(cwd, 'flagged', 'secure-mcp.json'))).toBe(true);
  }, 30_000);

  it("a team preset's options are not asked (locked or not); only what it leaves open is", async () => {
    writeFileSync(path.join(cwd, 'acme.json'), JSON.stringify({ name: 'acme-mcp', version: '1.0.0', options: { transport: 'http', auth: 'oauth', storage: 'none' }, locked: ['transport', 'auth'] }));
    const { code, screen } = await converse(['preset-srv', '--preset', './acme.json', '--no-install', '--no-git'], [
      ['Which tools should the server start with?', KEYS.enter],
      ['Where are rate-limit counters kept?', KEYS.enter],
    ]);
    expect(code, screen).toBe(0);
    expect(screen).toContain('Preset acme-mcp@1.0.0 from file');
    expect(screen).not.toContain('How will clients reach the server?');
    expect(screen).not.toContain('How do HTTP clients authenticate?');
    expect(screen).not.toContain('Which database');
    const manifest = JSON.parse(readFileSync(path.join(cwd, 'preset-srv', 'secure-mcp.json'), 'utf8'));
    expect(manifest.spec).toMatchObject({ transport: 'http', auth: 'oauth', storage: 'none', tools: ['files'], rateLimitStore: 'memory' });
    expect(manifest.preset).toMatchObject({ name: 'acme-mcp', locked: ['transport', 'auth'] });
  }, 30_000);

  it('preset init asks the open options and which to lock', async () => {
    const { code, screen } = await converse(['preset', 'init', 'team.json', '--name', 'team-mcp', '--transport', 'stdio', '--storage', 'none'], [
      ['Which tools should the server start with?', KEYS.enter],
      ['Which options may projects made from this preset not change?', `${KEYS.space}${KEYS.enter}`], // lock the first: transport
    ]);
    expect(code, screen).toBe(0);
    const preset = JSON.parse(readFileSync(path.join(cwd, 'team.json'), 'utf8'));
    expect(preset).toMatchObject({ name: 'team-mcp', options: { transport: 'stdio', storage: 'none', tools: ['files'] }, locked: ['transport'] });
  }, 30_000);

  it('Ctrl-C at a question exits 130 and leaves nothing', async () => {
    const { code, screen } = await converse(['--no-install', '--no-git'], [
      ['Where should the project be created?', `x${KEYS.enter}`],
      ['How will clients reach the server?', KEYS.ctrlC],
    ]);
    expect(code).toBe(130);
    expect(screen).toContain('nothing was written');
    expect(readdirSync(cwd)).toEqual([]);
  }, 30_000);

  it('add tool asks only what no flag gave, and writes what was answered', async () => {
    const made = await converse(['proj', '--yes', '--no-install', '--no-git'], []);
    expect(made.code, made.screen).toBe(0);
    const { code, screen } = await converse(['add', 'tool', 'close_ticket', '--dir', 'proj', '--title', 'Close ticket'], [
      ['What does the tool do to data?', `${KEYS.down}${KEYS.enter}`], // read-only → destructive
      ['Does the tool use the project', `${KEYS.down}${KEYS.enter}`], // no → yes
      ['Description (fixed text the model reads):', `Closes one of your tickets by title.${KEYS.enter}`],
      ['Scopes a caller must hold', KEYS.enter], // default: ticket:write
      ['Its own rate budget', `12${KEYS.enter}`],
    ]);
    expect(code, screen).toBe(0);
    expect(screen).not.toContain('Title (for people)');
    const tool = readFileSync(path.join(cwd, 'proj', 'src', 'tools', 'close_ticket.ts'), 'utf8');
    expect(tool).toContain('description: "Closes one of your tickets by title."');
    expect(tool).toContain('scopes: ["ticket:write"]');
    expect(tool).toContain('destructiveHint: true');
    expect(tool).toContain('rateLimitPoints: 12');
    expect(tool).toContain('ctx.resources.storage');
  }, 30_000);

  it('add tool: Ctrl-C at a question exits 130 and changes nothing', async () => {
    const made = await converse(['proj', '--yes', '--no-install', '--no-git'], []);
    expect(made.code, made.screen).toBe(0);
    const before = readdirSync(path.join(cwd, 'proj'), { recursive: true }).length;
    const { code } = await converse(['add', 'tool', 'close_ticket', '--dir', 'proj'], [['What does the tool do to data?', KEYS.ctrlC]]);
    expect(code).toBe(130);
    expect(readdirSync(path.join(cwd, 'proj'), { recursive: true }).length).toBe(before);
    expect(existsSync(path.join(cwd, 'proj', 'src', 'tools', 'close_ticket.ts'))).toBe(false);
  }, 30_000);
});
