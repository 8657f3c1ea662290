import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/argv.js';
import { CliError } from '../../src/errors.js';

function usageError(argv: string[]): CliError {
  try {
    parseCommand(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseCommand', () => {
  it('reads the directory, values and run switches', () => {
    const command = parseCommand(['srv', '--tools', 'files, files ,', '--no-install', '--no-git', '-y', '--dry-run', '--overwrite', '--name=@acme/srv']);
    expect(command).toEqual({
      kind: 'create',
      directory: 'srv',
      input: { name: '@acme/srv', transport: undefined, auth: undefined, tools: ['files', 'files'], rateLimitStore: undefined, packageManager: undefined },
      yes: true,
      install: false,
      git: false,
      overwrite: true,
      dryRun: true,
    });
  });

  it('defaults to installing and committing', () => {
    const command = parseCommand([]);
    expect(command).toMatchObject({ kind: 'create', directory: undefined, install: true, git: true, yes: false, dryRun: false });
  });

  it('an empty --tools means no catalog tools', () => {
    expect(parseCommand(['x', '--tools='])).toMatchObject({ input: { tools: [] } });
  });

  it('help and version win over everything else', () => {
    expect(parseCommand(['x', '--help'])).toEqual({ kind: 'help' });
    expect(parseCommand(['-V'])).toEqual({ kind: 'version' });
  });

  it('refuses an unknown flag and suggests the near one', () => {
    const error = usageError(['--transprot', 'stdio']);
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('--transprot');
    expect(error.hint).toContain('--transport');
  });

  it('refuses a flag without its value', () => {
    const error = usageError(['x', '--transport']);
    expect(error.message).toContain('--transport');
    expect(error.exitCode).toBe(1);
  });

  it('refuses two directories and reserved sub-command names', () => {
    expect(usageError(['a', 'b']).message).toContain('one directory');
    expect(usageError(['--yes', 'check']).message).toContain('must come first: create-secure-mcp check [directory]');
    // preset is a sub-command (preset init), never a folder named "preset" unless written ./preset.
    expect(usageError(['preset']).message).toContain('preset init');
    expect(usageError(['preset']).hint).toContain('./preset');
    expect(usageError(['--yes', 'preset']).message).toContain('must come first');
    // add is a sub-command now, but only as the first argument: never a folder named "add".
    expect(usageError(['--yes', 'add']).message).toContain('must come first');
  });

  it('reads check [directory] and its flags; its own errors exit 2 (could not run), apart from findings (1)', () => {
    expect(parseCommand(['check'])).toEqual({ kind: 'check', directory: undefined, format: 'table', failOn: 'fail', url: undefined, offline: false, auditKey: undefined, preset: undefined });
    expect(parseCommand(['check', 'srv', '--sarif', '--fail-on', 'warn', '--url', 'http://127.0.0.1:3000/mcp', '--offline', '--preset', './p.json'])).toMatchObject({ directory: 'srv', format: 'sarif', failOn: 'warn', url: 'http://127.0.0.1:3000/mcp', offline: true, preset: './p.json' });
    expect(parseCommand(['check', '-h'])).toEqual({ kind: 'check-help' });
    for (const args of [['check', 'a', 'b'], ['check', '--json', '--sarif'], ['check', '--fail-on', 'never'], ['check', '--bogus']]) {
      let error: unknown;
      try {
        parseCommand(args);
      } catch (e) {
        error = e;
      }
      expect((error as { exitCode?: number }).exitCode, args.join(' ')).toBe(2);
    }
  });

  it('reads update [directory] and its flags', () => {
    expect(parseCommand(['update'])).toEqual({ kind: 'update', directory: undefined, set: {}, to: undefined, from: undefined, preset: undefined, presetFrom: undefined, dryRun: false, yes: false });
    expect(parseCommand(['update', 'srv', '--from', 'old.tgz', '--to', '0.2.0', '--preset', 'p.json', '--preset-from', 'p1.json', '--set', 'transport=both', '--set', 'tools=files,fetch', '--dry-run', '-y'])).toEqual({ kind: 'update', directory: 'srv', set: { transport: 'both', tools: 'files,fetch' }, to: '0.2.0', from: 'old.tgz', preset: 'p.json', presetFrom: 'p1.json', dryRun: true, yes: true });
    expect(usageError(['update', '--set', 'transport=http', '--set', 'transport=both']).message).toContain('given twice');
    expect(parseCommand(['update', '--help'])).toEqual({ kind: 'update-help' });
    expect(usageError(['update', 'a', 'b']).message).toContain('one directory');
    expect(usageError(['--yes', 'update']).message).toContain('must come first: create-secure-mcp update [directory]');
  });

  it('reads add tool <name> and its flags', () => {
    expect(parseCommand(['add', 'tool', 'search_tickets', '--description', 'Finds tickets by text.', '--title=Search', '--scopes', 'tickets:read, tickets:write', '--destructive', '--storage', '--rate-limit-points', '30', '--dir', 'srv', '--dry-run', '-y'])).toEqual({
      kind: 'add-tool',
      name: 'search_tickets',
      input: { description: 'Finds tickets by text.', title: 'Search', scopes: ['tickets:read', 'tickets:write'], effect: 'destructive', storage: true, rateLimitPoints: '30' },
      dir: 'srv',
      yes: true,
      dryRun: true,
    });
    expect(parseCommand(['add', 'tool', 'x', '--read-only', '--no-storage'])).toMatchObject({ input: { effect: 'read-only', storage: false }, yes: false, dryRun: false });
    expect(parseCommand(['add', 'tool', 'x'])).toMatchObject({ input: { effect: undefined, storage: undefined, scopes: undefined } });
    expect(parseCommand(['add', 'tool', '--help'])).toEqual({ kind: 'add-tool-help' });
  });

  it('refuses a malformed add', () => {
    expect(usageError(['add']).message).toContain('add tool <name>');
    expect(usageError(['add', 'preset', 'x']).message).toContain('only "add tool <name>"');
    expect(usageError(['add', 'tool']).message).toContain('needs the tool name');
    expect(usageError(['add', 'tool', 'a', 'b']).message).toContain('one name');
    expect(usageError(['add', 'tool', 'a', '--read-only', '--destructive']).message).toContain('exclude each other');
    expect(usageError(['add', 'tool', 'a', '--storage', '--no-storage']).message).toContain('exclude each other');
    const unknown = usageError(['add', 'tool', 'a', '--scope', 'x:y']);
    expect(unknown.hint).toContain('--scopes');
    expect(usageError(['add', 'tool', 'a', '--transport', 'stdio']).message).toContain('Unknown option');
  });
});
