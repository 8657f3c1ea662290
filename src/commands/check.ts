/**
 * `create-secure-mcp check [directory]`: reads the project, runs every rule (and, with --url, the live
 * checks against a running server), prints a table, JSON or SARIF, and returns the exit code of the
 * contract: 0 nothing at or above --fail-on, 1 findings, 2 could not run. Guards against a review that
 * changes what it reviews (nothing is written; commands run without a shell, with timeouts, in the
 * project) and against a key on the command line being echoed (the audit key is never printed).
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../cli/argv.js';
import type { Ui } from '../cli/ui.js';
import { CliError, EXIT } from '../errors.js';
import { loadProject } from '../check/project-view.js';
import { formatJson, formatSarif, formatTable } from '../check/report-formats.js';
import { findingsAt, runCheck } from '../check/run-check.js';
import { ALL_RULES } from '../check/rules/index.js';
import type { CheckContext, ExecResult, ItemResult } from '../check/types.js';

type CheckCommand = Extract<Command, { kind: 'check' }>;

export interface CheckDeps {
  readonly ui: Ui;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly generatorVersion: string;
  readonly now: Date;
}

export async function checkProject(command: CheckCommand, deps: CheckDeps): Promise<number> {
  const root = path.resolve(deps.cwd, command.directory ?? '.');
  if (!existsSync(root) || !lstatSync(root).isDirectory()) {
    throw new CliError('COULD_NOT_RUN', `${root} is not a folder.`, { hint: 'Pass the project folder: create-secure-mcp check <directory>.' });
  }
  let url: URL | undefined;
  if (command.url !== undefined) {
    try {
      url = new URL(command.url);
    } catch {
      throw new CliError('COULD_NOT_RUN', `--url ${command.url} is not a URL.`, { hint: 'Pass the MCP endpoint, e.g. --url http://127.0.0.1:3000/mcp.' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CliError('COULD_NOT_RUN', `--url must be http or https, not ${url.protocol}`, { hint: 'Pass the MCP endpoint, e.g. --url http://127.0.0.1:3000/mcp.' });
    }
  }
  let preset: CheckContext['preset'];
  if (command.preset !== undefined) {
    try {
      preset = await (await import('../presets/load-preset.js')).loadPreset(command.preset, { cwd: deps.cwd, env: deps.env });
    } catch (error) {
      if (error instanceof CliError) throw new CliError('COULD_NOT_RUN', error.message, { hint: error.hint ?? 'Check the --preset value.' });
      throw error;
    }
  }

  const project = loadProject(root);
  const context: CheckContext = {
    now: deps.now,
    offline: command.offline,
    auditKey: command.auditKey ?? nonEmpty(deps.env.AUDIT_HMAC_KEY),
    exec: (file, args, options) => run(file, args, root, deps.env, options),
    preset,
  };
  const live: ItemResult[] = url === undefined ? [] : await (await import('../check/live.js')).runLiveChecks(url, {});
  const report = await runCheck(project, context, ALL_RULES, deps.generatorVersion, live);

  const out = command.format === 'json' ? formatJson(report) : command.format === 'sarif' ? formatSarif(report) : formatTable(report, deps.ui.color);
  deps.ui.out(out.replace(/\n$/, ''));
  const findings = findingsAt(report, command.failOn);
  if (command.format === 'table' && findings.length > 0) {
    deps.ui.err(`${findings.length} item${findings.length === 1 ? '' : 's'} at or above --fail-on ${command.failOn}: ${findings.map((f) => f.id).join(', ')}`);
  }
  return findings.length > 0 ? EXIT.user : EXIT.ok;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** One command in the project: no shell, bounded time and output, never throws. */
function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd, env: { ...env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
        resolve({ code: null, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: `${file} could not start (${(error as NodeJS.ErrnoException).code})` });
        return;
      }
      if (error && (error as { killed?: boolean }).killed) {
        resolve({ code: null, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: `${file} timed out` });
        return;
      }
      const code = error ? ((error as { code?: number | null }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') });
    });
  });
}
