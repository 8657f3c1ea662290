import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { CATALOG, type Catalog } from '../../src/options/options.js';
import { type Asker, type ResolveContext, resolveSpec } from '../../src/options/resolve.js';

/** A catalog with other option lists (fewer auths, two storages), to prove the rules do not depend on the shipped lists. */
const WIDE: Catalog = {
  ...CATALOG,
  transports: [
    { value: 'stdio', label: 'stdio', hint: '' },
    { value: 'http', label: 'http', hint: '' },
    { value: 'both', label: 'both', hint: '' },
  ],
  auths: [
    { value: 'none', label: 'none', hint: '' },
    { value: 'api-key', label: 'api-key', hint: '' },
  ],
  storages: [
    { value: 'none', label: 'none', hint: '' },
    { value: 'sqlite', label: 'sqlite', hint: '' },
  ],
  rateLimitStores: [
    { value: 'memory', label: 'memory', hint: '' },
    { value: 'redis', label: 'redis', hint: '' },
  ],
};

function ctx(overrides: Partial<ResolveContext> = {}): ResolveContext {
  return { catalog: CATALOG, yes: false, defaultName: 'srv', detectedPackageManager: 'npm', nodeVersion: 'v24.11.0', ...overrides };
}

async function refusal(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

/** Answers from a script and records what was asked. */
function scriptedAsker(answers: Record<string, string | string[]>): Asker & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async select(q) {
      asked.push(q.key);
      const answer = answers[q.key];
      if (typeof answer !== 'string') throw new Error(`unexpected question ${q.key}`);
      return answer;
    },
    async multiselect(q) {
      asked.push(q.key);
      const answer = answers[q.key];
      if (!Array.isArray(answer)) throw new Error(`unexpected question ${q.key}`);
      return answer;
    },
  };
}

describe('resolveSpec with the shipped catalog', () => {
  it('--yes takes the defaults of DESIGN §3', async () => {
    const spec = await resolveSpec({}, ctx({ yes: true }));
    expect(spec).toEqual({ name: 'srv', transport: 'both', auth: 'api-key', storage: 'sqlite', tools: ['files', 'notes'], rateLimitStore: 'memory', packageManager: 'npm', nodeFloor: 22 });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.tools)).toBe(true);
  });

  it('the Node version the generator runs on picks the nodeFloor (the versions column)', async () => {
    expect((await resolveSpec({}, ctx({ yes: true, nodeVersion: 'v20.20.0' }))).nodeFloor).toBe(20);
    expect((await resolveSpec({}, ctx({ yes: true, nodeVersion: 'v26.1.0' }))).nodeFloor).toBe(22);
  });

  it('flags win and duplicates collapse; the detected package manager is the default', async () => {
    const spec = await resolveSpec({ name: '@acme/x', transport: 'stdio', storage: 'none', tools: ['files', 'files'] }, ctx({ detectedPackageManager: 'pnpm' }));
    expect(spec).toMatchObject({ name: '@acme/x', tools: ['files'], packageManager: 'pnpm' });
  });

  it('without a terminal and without --yes, names every open flag in one error', async () => {
    const error = await refusal(resolveSpec({}, ctx({ alreadyMissing: ['<directory>'] })));
    expect(error.code).toBe('MISSING_VALUES');
    expect(error.message).toContain('<directory>');
    expect(error.message).toContain('--tools');
    expect(error.hint).toContain('--yes');
  });

  it.each([
    [{ transport: 'carrier-pigeon' }, '--transport', 'stdio'],
    [{ storage: 'mongo' }, '--storage', 'none'],
    [{ tools: ['files', 'shell'] }, '--tools', 'files'],
    [{ packageManager: 'pip' }, '--package-manager', 'npm'],
  ])('refuses unknown values %j with the valid ones as hint', async (input, flag, valid) => {
    const error = await refusal(resolveSpec(input, ctx({ yes: true })));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(flag);
    expect(error.hint).toContain(valid);
    expect(error.exitCode).toBe(1);
  });

  it('refuses --auth and --rate-limit-store with stdio', async () => {
    expect((await refusal(resolveSpec({ transport: 'stdio', auth: 'none' }, ctx({ yes: true })))).message).toContain('--auth');
    expect((await refusal(resolveSpec({ transport: 'stdio', rateLimitStore: 'memory' }, ctx({ yes: true })))).message).toContain('--rate-limit-store');
  });

  it('stdio projects get auth none and the memory store without being asked', async () => {
    const spec = await resolveSpec({ transport: 'stdio' }, ctx({ yes: true }));
    expect(spec).toMatchObject({ auth: 'none', rateLimitStore: 'memory' });
  });

  it('refuses an invalid --name', async () => {
    const error = await refusal(resolveSpec({ name: 'Bad Name' }, ctx({ yes: true })));
    expect(error.code).toBe('INVALID_NAME');
  });

  it('asks only what is open and has more than one choice', async () => {
    const asker = scriptedAsker({ tools: [] });
    const spec = await resolveSpec({ transport: 'stdio', storage: 'postgres' }, ctx({ ask: asker }));
    expect(asker.asked).toEqual(['tools']);
    expect(spec.tools).toEqual([]);
    const one: Catalog = { ...CATALOG, storages: [{ value: 'none', label: 'none', hint: '' }] };
    const asked = scriptedAsker({ tools: ['files'] });
    expect(await resolveSpec({ transport: 'stdio' }, ctx({ catalog: one, ask: asked }))).toMatchObject({ storage: 'none' });
    expect(asked.asked).toEqual(['tools']); // a list with one choice is taken, not asked
  });
});

describe('resolveSpec rules with a wider catalog', () => {
  it('asks transport, then auth and store only for HTTP, in order', async () => {
    const asker = scriptedAsker({ transport: 'http', auth: 'api-key', storage: 'sqlite', tools: ['notes'], rateLimitStore: 'redis' });
    const spec = await resolveSpec({}, ctx({ catalog: WIDE, ask: asker }));
    expect(asker.asked).toEqual(['transport', 'auth', 'storage', 'tools', 'rateLimitStore']);
    expect(spec).toMatchObject({ transport: 'http', auth: 'api-key', storage: 'sqlite', tools: ['notes'], rateLimitStore: 'redis' });
  });

  it('does not ask auth for stdio', async () => {
    const asker = scriptedAsker({ transport: 'stdio', storage: 'none', tools: ['files'] });
    const spec = await resolveSpec({}, ctx({ catalog: WIDE, ask: asker }));
    expect(asker.asked).toEqual(['transport', 'storage', 'tools']);
    expect(spec.auth).toBe('none');
  });

  it('--yes picks both/api-key/sqlite/files+notes when offered', async () => {
    const spec = await resolveSpec({}, ctx({ catalog: WIDE, yes: true }));
    expect(spec).toMatchObject({ transport: 'both', auth: 'api-key', storage: 'sqlite', tools: ['files', 'notes'], rateLimitStore: 'memory' });
  });

  it('--storage none drops storage tools from the defaults and refuses them when asked for', async () => {
    expect((await resolveSpec({ storage: 'none' }, ctx({ catalog: WIDE, yes: true }))).tools).toEqual(['files']);
    const error = await refusal(resolveSpec({ storage: 'none', tools: ['notes'] }, ctx({ catalog: WIDE, yes: true })));
    expect(error.message).toContain('notes needs storage');
    expect(error.hint).toContain('sqlite');
  });

  it('tools are kept in catalog order', async () => {
    const spec = await resolveSpec({ storage: 'sqlite', tools: ['notes', 'files'] }, ctx({ catalog: WIDE, yes: true }));
    expect(spec.tools).toEqual(['files', 'notes']);
  });
});
