/**
 * Post-steps: install, build, git. Commands run through execa with an argument array (never a shell
 * string), stdin closed so nothing can hang on a question, and their output kept for the error message
 * instead of flooding the terminal. execa is imported only when a step runs.
 */
import { CliError } from '../errors.js';
import type { PostStep } from '../generate/plan-types.js';
import type { PackageManager } from '../options/options.js';
import { packageManagerInfo } from '../package-managers.js';

export interface PostStepContext {
  readonly targetDir: string;
  readonly packageManager: PackageManager;
  readonly step: <T>(label: string, work: () => Promise<T>) => Promise<T>;
  /** Environment for child processes. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface PostStepReport {
  /** Steps that ran to completion. */
  readonly done: readonly PostStep[];
  /** Things the user should know (e.g. why no commit was made). */
  readonly notes: readonly string[];
}

interface RunResult {
  readonly exitCode: number;
  readonly output: string;
}

async function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv | undefined): Promise<RunResult> {
  const { execa } = await import('execa');
  const result = await execa(command, args, { cwd, stdin: 'ignore', all: true, reject: false, env, extendEnv: env === undefined });
  if (result.failed && result.exitCode === undefined) {
    // Could not start at all (e.g. the package manager is not installed).
    return { exitCode: 127, output: result.shortMessage ?? `${command} could not be started` };
  }
  return { exitCode: result.exitCode ?? 1, output: result.all ?? '' };
}

function tail(output: string, lines = 15): string {
  return output.trim().split('\n').slice(-lines).join('\n');
}

export async function runPostSteps(steps: readonly PostStep[], ctx: PostStepContext): Promise<PostStepReport> {
  const done: PostStep[] = [];
  const notes: string[] = [];
  const pm = packageManagerInfo(ctx.packageManager);
  const build = pm.run('build');
  for (const step of steps) {
    if (step === 'install') {
      // Checked inside the step, so a failed install is shown as failed, not done.
      await ctx.step(`Installing dependencies with ${pm.command}`, async () => {
        const result = await run(pm.command, pm.install, ctx.targetDir, ctx.env);
        if (result.exitCode === 127) {
          throw new CliError('POST_STEP', `${pm.command} could not be started: the project is written, its dependencies are not.`, {
            hint: `${pm.installHint} Then run: cd ${ctx.targetDir} && ${pm.installCommand} && ${build}`,
          });
        }
        if (result.exitCode !== 0) {
          throw new CliError('POST_STEP', `${pm.installCommand} failed (exit ${result.exitCode}); the project is written, its dependencies are not.\n${tail(result.output)}`, {
            hint: `Fix the cause, then run: cd ${ctx.targetDir} && ${pm.installCommand} && ${build}`,
          });
        }
      });
    } else if (step === 'build') {
      await ctx.step('Building the server', async () => {
        const result = await run(pm.command, pm.runArgs('build'), ctx.targetDir, ctx.env);
        if (result.exitCode !== 0) {
          throw new CliError('POST_STEP', `The first build failed (exit ${result.exitCode}).\n${tail(result.output)}`, {
            hint: `Run it again to see the whole output: cd ${ctx.targetDir} && ${build}`,
          });
        }
      });
    } else {
      const note = await ctx.step('Creating a git repository', () => initGit(ctx.targetDir, ctx.env));
      if (note) notes.push(note);
    }
    done.push(step);
  }
  return { done, notes };
}

/** git init + first commit. Returns a note when it deliberately did less. */
async function initGit(dir: string, env: NodeJS.ProcessEnv | undefined): Promise<string | undefined> {
  const inside = await run('git', ['rev-parse', '--is-inside-work-tree'], dir, env);
  if (inside.exitCode === 127) return 'git is not installed: no repository was created.';
  if (inside.exitCode === 0 && inside.output.trim() === 'true') {
    return 'The folder is already inside a git repository: no new repository was created.';
  }
  const steps: Array<readonly string[]> = [['init', '--quiet'], ['add', '--all']];
  for (const args of steps) {
    const result = await run('git', args, dir, env);
    if (result.exitCode !== 0) {
      throw new CliError('POST_STEP', `git ${args[0]} failed: ${tail(result.output, 5)}`, { hint: 'Run it yourself, or generate again with --no-git.' });
    }
  }
  if (!(await hasIdentity(dir, env))) {
    return 'git has no user.name/user.email on this machine: the repository is initialised and the files are staged, but not committed. Set them (git config --global user.name …) and run: git commit -m "Initial commit"';
  }
  const commit = await run('git', ['commit', '--quiet', '-m', 'Initial commit from create-secure-mcp'], dir, env);
  if (commit.exitCode !== 0) {
    return `git commit failed, the files are staged: ${tail(commit.output, 3)}`;
  }
  return undefined;
}

async function hasIdentity(dir: string, env: NodeJS.ProcessEnv | undefined): Promise<boolean> {
  const source = env ?? process.env;
  const fromEnv = (key: string): boolean => (source[key] ?? '').trim() !== '';
  const name = fromEnv('GIT_AUTHOR_NAME') || (await run('git', ['config', 'user.name'], dir, env)).output.trim() !== '';
  const email = fromEnv('GIT_AUTHOR_EMAIL') || (await run('git', ['config', 'user.email'], dir, env)).output.trim() !== '';
  return name && email;
}
