/**
 * Entry module: the only place that exits the process. Turns errors into a one-line cause, a hint and
 * the exit code of the contract (0 ok, 1 user error, 2 internal, 130 interrupted), and on Ctrl-C or
 * SIGTERM or SIGHUP runs the registered undo work so no staging folder or partial project survives.
 */
import { randomBytes } from 'node:crypto';
import { parseCommand } from './argv.js';
import { createUi } from './ui.js';
import { EXIT, isCliError } from '../errors.js';
import type { CleanupRegistry } from '../generate/write.js';
import { interruptSignals } from './signals.js';
import { generatorVersion } from './version.js';
import { RENDER_NODE_VERSION } from '../project-versions.js';

const undoWork = new Set<() => void>();
const cleanup: CleanupRegistry = {
  add(undo) {
    undoWork.add(undo);
    return () => undoWork.delete(undo);
  },
};

function runUndoWork(): void {
  for (const undo of [...undoWork].reverse()) {
    try {
      undo();
    } catch {
      // best effort: keep undoing the rest
    }
  }
  undoWork.clear();
}

// SIGHUP (the terminal closed) is treated like Ctrl-C: a half-installed project is removed, not left behind.
// Windows adds Ctrl+Break (src/cli/signals.ts).
for (const [signal, code] of interruptSignals()) {
  process.on(signal, () => {
    runUndoWork();
    process.stderr.write('\nInterrupted: nothing was left behind.\n');
    process.exit(code);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const ui = createUi();
  try {
    const command = parseCommand(argv);
    const version = generatorVersion();
    if (command.kind === 'version') {
      ui.out(version);
      return EXIT.ok;
    }
    if (command.kind === 'help') {
      const { helpText } = await import('./help.js');
      ui.out(helpText(version));
      return EXIT.ok;
    }
    if (command.kind === 'update-help') {
      const { updateHelpText } = await import('./help.js');
      ui.out(updateHelpText(version));
      return EXIT.ok;
    }
    if (command.kind === 'update') {
      const { updateProject } = await import('../commands/update.js');
      return await updateProject(command, { ui, cwd: process.cwd(), env: process.env, cleanup, generatorVersion: version });
    }
    if (command.kind === 'check-help') {
      const { checkHelpText } = await import('./help.js');
      ui.out(checkHelpText(version));
      return EXIT.ok;
    }
    if (command.kind === 'check') {
      // Never asks anything: a review runs the same in a terminal and in CI.
      const { checkProject } = await import('../commands/check.js');
      return await checkProject(command, { ui, cwd: process.cwd(), env: process.env, generatorVersion: version, now: new Date() });
    }
    if (command.kind === 'preset-init-help') {
      const { presetInitHelpText } = await import('./help.js');
      ui.out(presetInitHelpText(version));
      return EXIT.ok;
    }
    if (command.kind === 'add-tool-help') {
      const { addToolHelpText } = await import('./help.js');
      ui.out(addToolHelpText(version));
      return EXIT.ok;
    }
    // --yes first: the process.stdin getter builds a stream (~2.5 ms) that a --yes run never reads.
    const interactive = !command.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
    const ask = interactive ? (await import('./prompts.js')).createInquirerAsker() : undefined;
    if (command.kind === 'add-tool') {
      // Its own module: node-plop (≈225 ms to import) loads there, only when changes are applied.
      const { addTool } = await import('../commands/add-tool.js');
      await addTool(command, { ui, cwd: process.cwd(), env: process.env, cleanup, ask });
      return EXIT.ok;
    }
    if (command.kind === 'preset-init') {
      const { presetInit } = await import('../commands/preset-init.js');
      await presetInit(command, { ui, cwd: process.cwd(), env: process.env, generatorVersion: version, ask });
      return EXIT.ok;
    }
    const { createProject } = await import('../commands/create.js');
    await createProject(command, {
      ui,
      cwd: process.cwd(),
      env: process.env,
      cleanup,
      generatorVersion: version,
      featureEnv: { generatorVersion: version, randomBytes, now: new Date() },
      nodeVersion: process.env[RENDER_NODE_VERSION] ?? process.version,
      ask,
    });
    return EXIT.ok;
  } catch (error) {
    runUndoWork();
    if (isCliError(error)) {
      ui.err(`${ui.color.red('✖')} ${error.message}`);
      if (error.hint) ui.err(`  ${ui.color.dim(error.hint)}`);
      return error.exitCode;
    }
    ui.err(`${ui.color.red('✖')} Internal error: ${error instanceof Error ? error.message : String(error)}`);
    ui.err('  This is a bug in create-secure-mcp. Run again with CREATE_SECURE_MCP_DEBUG=1 for details and report it.');
    if (process.env.CREATE_SECURE_MCP_DEBUG === '1' && error instanceof Error) ui.err(error.stack ?? '');
    return EXIT.internal;
  }
}

process.exitCode = await main(process.argv.slice(2));
