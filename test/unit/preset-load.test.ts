/**
 * The preset loader (src/presets/load-preset.ts): the schema agrees with the option catalog, every kind
 * of source loads to the same preset and hash, invalid presets are refused with the JSON path of the
 * problem, the files walk keeps to the preset's folder and away from what the generator owns, and no
 * temporary folder outlives a load. No network: the registry path is only exercised offline.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { AUTHS, PACKAGE_MANAGERS, RATE_LIMIT_STORES, STORAGES, TOOLS, TRANSPORTS } from '../../src/options/options.js';
import { PRESET_TEMP_PREFIX } from '../../src/presets/fetch-package.js';
import { loadPreset, parsePackageSpec, PRESET_SCHEMA_PATH } from '../../src/presets/load-preset.js';
import { PRESET_OPTION_KEYS, type Preset } from '../../src/presets/preset-types.js';

interface SchemaNode {
  readonly enum?: readonly string[];
  readonly items?: SchemaNode;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly maxItems?: number;
}

const schema = JSON.parse(readFileSync(PRESET_SCHEMA_PATH, 'utf8')) as SchemaNode & { $id: string };
const optionSchemas = schema.properties?.options?.properties ?? {};
const values = (choices: readonly { readonly value: string }[]): string[] => choices.map((choice) => choice.value);

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'preset-load-test-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const env = { ...process.env };

function load(source: string, cwd = work): Promise<Preset> {
  return loadPreset(source, { cwd, env });
}

/** Writes `files` (POSIX relative paths) under `dir`. */
function writeTree(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, ...relative.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

const ACME = {
  $schema: 'https://unpkg.com/create-secure-mcp/schema/preset.schema.json',
  name: '@acme/mcp-preset',
  version: '1.2.0',
  description: 'ACME servers',
  options: { transport: 'http', auth: 'oauth', tools: ['files'] },
  locked: ['transport', 'auth'],
  files: './files',
  allowCoreOverrides: false,
  addTool: { scopePrefix: 'acme', rateLimitPoints: 30 },
};

const ACME_FILES = {
  'files/src/server.ts.hbs': 'export const name = "{{name}}";\n',
  'files/docs/TEAM.md': '# Team\n',
  'files/.secure-mcp/templates/tool.ts.hbs': '// {{toolName}}\n',
};

/** A preset folder: preset.json + files/ (+ extra entries). */
function presetFolder(name: string, preset: object = ACME, extra: Readonly<Record<string, string>> = ACME_FILES): string {
  const dir = path.join(work, name);
  writeTree(dir, { 'preset.json': JSON.stringify(preset, null, 2), ...extra });
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<CliError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CliError);
  const cliError = error as CliError;
  expect(cliError.code).toBe('USAGE');
  expect(cliError.exitCode).toBe(1);
  expect(cliError.message).not.toContain('\n');
  expect(cliError.hint).toBeTruthy();
  return cliError;
}

function tempEntries(): number {
  return readdirSync(os.tmpdir()).filter((name) => name.startsWith(PRESET_TEMP_PREFIX)).length;
}

/** npm pack of a folder, as a preset author would publish it; returns the tarball and npm's integrity. */
function npmPackFolder(dir: string, destination: string): { tarball: string; integrity: string } {
  mkdirSync(destination, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
  const [entry] = JSON.parse(out) as { filename: string; integrity: string }[];
  if (entry === undefined) throw new Error('npm pack printed nothing');
  return { tarball: path.join(destination, path.basename(entry.filename)), integrity: entry.integrity };
}

describe('schema/preset.schema.json', () => {
  it('lists exactly the option catalog of src/options/options.ts', () => {
    expect(optionSchemas.transport?.enum).toEqual(values(TRANSPORTS));
    expect(optionSchemas.auth?.enum).toEqual(values(AUTHS));
    expect(optionSchemas.storage?.enum).toEqual(values(STORAGES));
    expect(optionSchemas.tools?.items?.enum).toEqual(values(TOOLS));
    expect(optionSchemas.tools?.maxItems).toBe(TOOLS.length);
    expect(optionSchemas['rate-limit-store']?.enum).toEqual(values(RATE_LIMIT_STORES));
    expect(optionSchemas['package-manager']?.enum).toEqual(values(PACKAGE_MANAGERS));
  });

  it('has one option property per preset option key, and locked lists exactly those keys', () => {
    expect(Object.keys(optionSchemas).sort()).toEqual([...PRESET_OPTION_KEYS].sort());
    expect(schema.properties?.locked?.items?.enum).toEqual([...PRESET_OPTION_KEYS]);
  });

  it('compiles under ajv with every strict check, and ships in the package', async () => {
    const { Ajv } = await import('ajv');
    const strict = new Ajv({ allErrors: true, strict: true, strictTypes: true, strictTuples: true, strictRequired: true });
    expect(() => strict.compile(schema)).not.toThrow();
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(PRESET_SCHEMA_PATH), '..', 'package.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain('schema');
  });

  it('describes every property (editors show the descriptions)', () => {
    const missing: string[] = [];
    const visit = (node: SchemaNode & { description?: string }, at: string): void => {
      if (typeof node.description !== 'string' || node.description === '') missing.push(at);
      for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, `${at}/${key}`);
      if (node.items) visit(node.items, `${at}/items`);
    };
    visit(schema, '');
    expect(missing).toEqual([]);
    expect(schema.$id).toMatch(/^https:\/\/.+\/preset\.schema\.json$/);
  });
});

describe('loadPreset: sources', () => {
  it('loads a .json file with every field, files sorted, origin file', async () => {
    presetFolder('acme');
    const preset = await load('acme/preset.json');
    expect(preset).toMatchObject({
      name: '@acme/mcp-preset',
      version: '1.2.0',
      options: { transport: 'http', auth: 'oauth', tools: ['files'] },
      locked: ['transport', 'auth'],
      allowCoreOverrides: false,
      addTool: { scopePrefix: 'acme', rateLimitPoints: 30 },
      origin: { kind: 'file', path: path.join(work, 'acme', 'preset.json') },
    });
    expect(preset.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(preset.files.map((file) => [file.path, file.render, file.content.toString('utf8')])).toEqual([
      ['.secure-mcp/templates/tool.ts.hbs', false, '// {{toolName}}\n'],
      ['docs/TEAM.md', false, '# Team\n'],
      ['src/server.ts', true, 'export const name = "{{name}}";\n'],
    ]);
  });

  it('fills defaults for a minimal preset', async () => {
    writeTree(work, { 'min.json': JSON.stringify({ name: 'min', version: '0.1.0-beta.1+build.5' }) });
    const preset = await load('min.json');
    expect(preset).toMatchObject({ name: 'min', options: {}, locked: [], files: [], allowCoreOverrides: false, addTool: {} });
  });

  it('loads a folder from its preset.json, with the same hash as the file', async () => {
    const dir = presetFolder('acme');
    const fromFolder = await load(dir);
    const fromFile = await load(path.join(dir, 'preset.json'));
    expect(fromFolder.origin).toEqual({ kind: 'folder', path: dir });
    expect(fromFolder.hash).toBe(fromFile.hash);
    expect(fromFolder.files).toEqual(fromFile.files);
  });

  it('ignores $schema and key order in the hash, but not a changed file or value', async () => {
    const base = (await load(presetFolder('a'))).hash;
    const reordered = Object.fromEntries(Object.entries(ACME).reverse().filter(([key]) => key !== '$schema'));
    expect((await load(presetFolder('b', reordered))).hash).toBe(base);
    expect((await load(presetFolder('c', ACME, { ...ACME_FILES, 'files/docs/TEAM.md': '# Team!\n' }))).hash).not.toBe(base);
    expect((await load(presetFolder('d', { ...ACME, version: '1.2.1' }))).hash).not.toBe(base);
    const { 'files/docs/TEAM.md': team, ...rest } = ACME_FILES;
    expect((await load(presetFolder('e', ACME, { ...rest, 'files/docs/TEAM.md.hbs': team }))).hash).not.toBe(base);
  });

  it('loads an npm-packed tarball: origin package/tarball, npm integrity, same hash as the folder, no temp folder left', async () => {
    const dir = presetFolder('pkg');
    writeTree(dir, { 'package.json': JSON.stringify({ name: '@acme/mcp-preset', version: '1.2.0', description: 'ACME preset' }) });
    const { tarball, integrity } = npmPackFolder(dir, path.join(work, 'packed'));
    expect(integrity).toMatch(/^sha512-/);
    const before = tempEntries();
    const preset = await load(tarball);
    expect(tempEntries()).toBe(before);
    expect(preset.origin).toEqual({ kind: 'package', spec: tarball, name: '@acme/mcp-preset', version: '1.2.0', integrity, how: 'tarball' });
    expect(preset.hash).toBe((await load(dir)).hash);
    expect(preset.files).toEqual((await load(dir)).files);
  });

  it('uses package.json "secureMcpPreset" in a tarball and a folder', async () => {
    const dir = path.join(work, 'named');
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'named-preset', version: '3.0.0', secureMcpPreset: 'presets/team.json' }),
      'presets/team.json': JSON.stringify({ name: 'team', version: '3.0.0', files: 'files' }),
      'presets/files/README.md': 'hi\n',
    });
    const { tarball } = npmPackFolder(dir, path.join(work, 'packed'));
    const fromTarball = await load(tarball);
    expect(fromTarball.name).toBe('team');
    expect(fromTarball.origin).toMatchObject({ kind: 'package', name: 'named-preset', version: '3.0.0', how: 'tarball' });
    expect(fromTarball.files.map((file) => file.path)).toEqual(['README.md']);
    expect((await load(dir)).hash).toBe(fromTarball.hash);
  });

  it('computes a local tarball integrity itself (also for a tarball npm did not make)', async () => {
    const dir = path.join(work, 'hand');
    writeTree(dir, {
      'package/package.json': JSON.stringify({ name: 'hand-made', version: '0.0.1' }),
      'package/preset.json': JSON.stringify({ name: 'hand-made', version: '0.0.1' }),
    });
    const tarball = path.join(work, 'hand.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', dir, 'package']);
    const expected = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    const preset = await load(tarball);
    expect(preset.origin).toMatchObject({ kind: 'package', name: 'hand-made', how: 'tarball', integrity: expected });
  });

  it('removes its temporary folder when the packed preset is invalid', async () => {
    const dir = presetFolder('bad', { ...ACME, options: { transport: 'carrier-pigeon' } });
    writeTree(dir, { 'package.json': JSON.stringify({ name: 'bad-preset', version: '1.0.0' }) });
    const { tarball } = npmPackFolder(dir, path.join(work, 'packed'));
    const before = tempEntries();
    const error = await refusal(load(tarball));
    expect(error.message).toContain('Invalid preset bad-preset@1.0.0 (preset.json): /options/transport');
    expect(tempEntries()).toBe(before);
  });

  it('refuses a file that is not a tarball, and removes its temporary folder', async () => {
    writeTree(work, { 'junk.tgz': 'not gzip at all' });
    const before = tempEntries();
    const error = await refusal(load('junk.tgz'));
    expect(error.message).toMatch(/^Preset junk\.tgz: could not unpack the package/);
    expect(tempEntries()).toBe(before);
  });

  it('finds an installed package under node_modules from cwd upward', async () => {
    const packageDir = path.join(work, 'node_modules', '@acme', 'mcp-preset');
    writeTree(packageDir, {
      'package.json': JSON.stringify({ name: '@acme/mcp-preset', version: '1.2.0' }),
      'preset.json': JSON.stringify(ACME),
      ...ACME_FILES,
    });
    const cwd = path.join(work, 'projects', 'one');
    mkdirSync(cwd, { recursive: true });
    for (const spec of ['@acme/mcp-preset', '@acme/mcp-preset@1.2.0']) {
      const preset = await load(spec, cwd);
      expect(preset.origin).toEqual({ kind: 'package', spec, name: '@acme/mcp-preset', version: '1.2.0', integrity: undefined, how: 'installed' });
      expect(preset.hash).toBe((await load(packageDir)).hash);
    }
  });

  it('does not take an installed package of another version (fetches instead; offline here, so it fails cleanly)', async () => {
    writeTree(path.join(work, 'node_modules', 'acme-preset'), {
      'package.json': JSON.stringify({ name: 'acme-preset', version: '1.0.0' }),
      'preset.json': JSON.stringify({ name: 'acme-preset', version: '1.0.0' }),
    });
    const offline = { ...process.env, npm_config_offline: 'true', npm_config_cache: path.join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
    const before = tempEntries();
    const error = await refusal(loadPreset('acme-preset@2.0.0', { cwd: work, env: offline }));
    expect(error.message).toMatch(/^Could not fetch the preset package acme-preset@2\.0\.0: .*(ENOTCACHED|cache)/);
    expect(tempEntries()).toBe(before);
  });

  it('refuses a source that is neither a path nor a package name', async () => {
    expect((await refusal(load('Not A Package!'))).message).toBe('Preset Not A Package!: no such file or folder, and not a package name.');
    expect((await refusal(load('./missing.json'))).message).toContain('no such file or folder');
    expect((await refusal(load('missing.json'))).message).toContain('no such file or folder');
    expect((await refusal(load('missing.tgz'))).message).toContain('no such file or folder');
    expect((await refusal(load(''))).message).toContain('--preset needs');
  });

  it('refuses a folder without preset.json, and a file that is neither .json nor a tarball', async () => {
    mkdirSync(path.join(work, 'empty'));
    expect((await refusal(load('empty'))).message).toBe(`Preset folder empty has no preset.json.`);
    writeTree(work, { 'preset.yaml': 'name: x' });
    expect((await refusal(load('preset.yaml'))).message).toContain('neither a .json preset nor a .tgz package');
  });

  it('parses registry package specs', () => {
    expect(parsePackageSpec('acme')).toEqual({ name: 'acme', range: undefined });
    expect(parsePackageSpec('@acme/mcp-preset')).toEqual({ name: '@acme/mcp-preset', range: undefined });
    expect(parsePackageSpec('@acme/mcp-preset@1.2.3')).toEqual({ name: '@acme/mcp-preset', range: '1.2.3' });
    expect(parsePackageSpec('acme@^1')).toEqual({ name: 'acme', range: '^1' });
    expect(parsePackageSpec('acme@latest')).toEqual({ name: 'acme', range: 'latest' });
    for (const bad of ['Acme', '-rf', '--foo', 'acme@', 'git+https://x/y.git', 'github:acme/x', 'acme@npm:other', 'file:../x', '@acme', 'a b']) {
      expect(parsePackageSpec(bad), bad).toBeUndefined();
    }
  });
});

describe('loadPreset: validation', () => {
  async function invalid(preset: unknown): Promise<string> {
    writeTree(work, { 'acme.json': JSON.stringify(preset) });
    return (await refusal(load('acme.json'))).message;
  }

  it('names the schema path of a bad option value, with the allowed values', async () => {
    expect(await invalid({ ...ACME, files: undefined, options: { transport: 'carrier-pigeon' } })).toBe(
      'Invalid preset acme.json: /options/transport must be equal to one of the allowed values (stdio, http, both)',
    );
  });

  it('names /locked/0 for an unknown lock', async () => {
    expect(await invalid({ name: 'a', version: '1.0.0', locked: ['colour'] })).toContain('/locked/0 must be equal to one of the allowed values (transport, auth,');
  });

  it('refuses an unknown top-level key and a bad name', async () => {
    expect(await invalid({ name: 'a', version: '1.0.0', colour: 'red' })).toBe('Invalid preset acme.json: /colour is not a known key');
    expect(await invalid({ name: 'Acme Preset', version: '1.0.0' })).toBe(
      'Invalid preset acme.json: /name must be a lowercase package-style name such as acme-mcp or @acme/mcp',
    );
    expect(await invalid({ name: 'a' })).toBe('Invalid preset acme.json: /version is required');
  });

  it('refuses bad tools, addTool and files values', async () => {
    expect(await invalid({ name: 'a', version: '1.0.0', options: { tools: ['files', 'files'] } })).toContain('/options/tools must NOT have duplicate items');
    expect(await invalid({ name: 'a', version: '1.0.0', options: { tools: ['shell'] } })).toContain('/options/tools/0 must be equal to one of the allowed values (files, notes, fetch)');
    expect(await invalid({ name: 'a', version: '1.0.0', addTool: { rateLimitPoints: 0 } })).toContain('/addTool/rateLimitPoints must be >= 1');
    expect(await invalid({ name: 'a', version: '1.0.0', addTool: { scopePrefix: 'Acme' } })).toContain('/addTool/scopePrefix must be a lowercase letter');
    expect(await invalid({ name: 'a', version: '1.0.0', files: '/etc' })).toContain('/files must be a relative folder path');
    expect(await invalid({ name: 'a', version: '1.0.0', files: 'C:\\files' })).toContain('/files must be a relative folder path');
    expect(await invalid([])).toBe('Invalid preset acme.json: (root) must be object');
  });

  it('lists at most three errors', async () => {
    const message = await invalid({ name: 'A', version: 'x', a: 1, b: 2, c: 3 });
    expect(message.split('; ')).toHaveLength(4);
    expect(message).toMatch(/; and 2 more$/);
  });

  it('refuses a lock of an option the preset does not set', async () => {
    expect(await invalid({ name: 'a', version: '1.0.0', options: { transport: 'http' }, locked: ['transport', 'auth'] })).toBe(
      'Invalid preset acme.json: /locked locks "auth" but /options does not set it.',
    );
  });

  it('names the file of a JSON syntax error', async () => {
    writeTree(work, { 'broken.json': '{ "name": "a", ' });
    expect((await refusal(load('broken.json'))).message).toMatch(/^Preset broken\.json is not valid JSON: /);
  });
});

describe('loadPreset: the files folder', () => {
  it('refuses a symbolic link in files', async () => {
    const dir = presetFolder('acme');
    writeFileSync(path.join(work, 'outside.txt'), 'secret\n');
    symlinkSync(path.join(work, 'outside.txt'), path.join(dir, 'files', 'docs', 'link.txt'));
    expect((await refusal(load(dir))).message).toContain('docs/link.txt, which is a symbolic link');
  });

  it('refuses a files folder that is a link out of the preset', async () => {
    const dir = presetFolder('acme', ACME, {});
    mkdirSync(path.join(work, 'elsewhere'));
    symlinkSync(path.join(work, 'elsewhere'), path.join(dir, 'files'));
    expect((await refusal(load(dir))).message).toContain(`leaves the preset's folder (through a symbolic link)`);
  });

  it('refuses files with .. leaving the preset, and the preset folder itself', async () => {
    writeTree(work, { 'shared/x.md': 'x' });
    presetFolder('acme', { ...ACME, files: '../shared' }, {});
    expect((await refusal(load('acme'))).message).toBe(`Preset acme/preset.json: "files": "../shared" leaves the preset's folder.`);
    const self = presetFolder('self', { ...ACME, files: '.' }, {});
    expect((await refusal(load(self))).message).toContain(`is the preset's own folder`);
    const missing = presetFolder('missing', ACME, {});
    expect((await refusal(load(missing))).message).toContain(`"files": "./files" does not exist`);
  });

  it('refuses what the generator owns: secure-mcp.json, .env (also as .hbs), .secrets/', async () => {
    for (const [file, why] of [
      ['files/secure-mcp.json', 'the generator writes secure-mcp.json'],
      ['files/.env.hbs', 'the generator writes .env'],
      ['files/.secrets/api-keys.json', 'the generator owns .secrets/'],
      ['files/.git/hooks/pre-commit', 'git owns .git/'],
    ] as const) {
      const dir = presetFolder(`owned-${path.basename(file)}`, ACME, { [file]: '{}' });
      expect((await refusal(load(dir))).message, file).toContain(why);
    }
  });

  it('refuses two sources of one project path, and a bare .hbs', async () => {
    const dir = presetFolder('dup', ACME, { 'files/a.md': 'a', 'files/a.md.hbs': 'b' });
    expect((await refusal(load(dir))).message).toContain('"files" has both a.md and a.md.hbs');
    const bare = presetFolder('bare', ACME, { 'files/x/.hbs': 'b' });
    expect((await refusal(load(bare))).message).toContain('has no name once ".hbs" is removed');
  });

  it('refuses a file over 1 MiB and more than 500 files', async () => {
    const big = presetFolder('big', ACME, { 'files/big.bin': 'x'.repeat(1024 * 1024 + 1) });
    expect((await refusal(load(big))).message).toContain('big.bin in "files" is larger than 1 MiB');
    const many: Record<string, string> = {};
    for (let i = 0; i <= 500; i += 1) many[`files/f${i}.txt`] = '';
    const manyDir = presetFolder('many', ACME, many);
    expect((await refusal(load(manyDir))).message).toContain('more than 500 files');
  });
});
