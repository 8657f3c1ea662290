// Runs the built CLI as a real process without a TTY, the way CI and scripts run it.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/create-secure-mcp.js', import.meta.url));

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', npm_config_user_agent: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    // A run that installs and builds (e2e setups) took up to 151 s on a loaded 2-core machine; a hang
    // still ends well inside the suites' hook timeouts.
    timeout: 600_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Starts the CLI, waits until stderr shows `marker`, then sends `signal` (after calling `beforeSignal`,
 * which may record what is on disk at that moment); resolves with the exit.
 */
export function interruptCli(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; marker: string; signal?: NodeJS.Signals; beforeSignal?: () => void },
): Promise<CliRun & { sawMarker: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', npm_config_user_agent: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sawMarker = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sawMarker && stderr.includes(options.marker)) {
        sawMarker = true;
        // Give the step a moment to really be under way.
        setTimeout(() => {
          options.beforeSignal?.();
          child.kill(options.signal ?? 'SIGINT');
        }, 300);
      }
    });
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(guard);
      resolve({ status, stdout, stderr, sawMarker });
    });
  });
}
