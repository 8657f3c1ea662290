// check: secret rules (SMCP-SECRET-001/002, SMCP-CONFIG-001, SMCP-LOG-001) on generated projects and on
// one-file mutations that break exactly one item.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES as CODE } from '../../src/check/rules/code.js';
import { RULES as SECRETS } from '../../src/check/rules/secrets.js';
import { RULES as TOOLS } from '../../src/check/rules/tools.js';
import type { Outcome, Rule } from '../../src/check/types.js';
import { FEATURE_SPECS, changed, outcome, outcomesOf, renderedFiles, ruleById } from '../support/check-fixtures.js';

const ALL: readonly Rule[] = [...SECRETS, ...CODE, ...TOOLS];
const rule = (id: string): Rule => ruleById(ALL, id);

const statuses = (files: ReadonlyMap<string, Buffer | string>): Promise<Map<string, Outcome>> => outcomesOf(ALL, files);
const failing = (o: Map<string, Outcome>): string[] => [...o].filter(([, x]) => x.status === 'fail').map(([id]) => id);

const SPECS = FEATURE_SPECS;
const rendered = new Map<string, Map<string, Buffer>>();
let base: Map<string, Buffer>;
let baseFails: string[];

beforeAll(async () => {
  for (const [name, spec] of Object.entries(SPECS)) rendered.set(name, await renderedFiles(spec));
  base = rendered.get('default') as Map<string, Buffer>;
  baseFails = failing(await statuses(base));
});

/** Fails that the mutation adds on top of the generated project's own. */
async function newFails(files: ReadonlyMap<string, Buffer>): Promise<string[]> {
  return failing(await statuses(files)).filter((id) => !baseFails.includes(id));
}

const fakeToken = (prefix: string, n: number): string => prefix + randomBytes(n).toString('base64url').replace(/[-_]/g, 'Q').slice(0, n);

describe.each(['SMCP-SECRET-001', 'SMCP-SECRET-002', 'SMCP-CONFIG-001', 'SMCP-LOG-001'])('%s on generated projects', (id) => {
  it.each(Object.keys(SPECS))('passes on the %s spec', async (spec) => {
    const o = await outcome(rule(id), rendered.get(spec) as Map<string, Buffer>);
    expect(o.status, o.message).toBe('pass');
  });
});

describe('SMCP-SECRET-001 secret literals', () => {
  it('has the metadata the reports need', () => {
    for (const r of SECRETS) {
      expect(r.id).toMatch(/^SMCP-[A-Z]+-\d{3}$/);
      expect(r.owasp).toMatch(/^MCP\d\d: /);
      expect(r.hint.length).toBeGreaterThan(10);
    }
  });

  it('fails on a provider token (only this item), with file, line and a masked snippet', async () => {
    const token = fakeToken('ghp_', 36);
    const files = changed(base, { 'src/upstream.ts': `// upstream client\nexport const upstream = {\n  token: '${token}',\n};\n` });
    expect(await newFails(files)).toEqual(['SMCP-SECRET-001']);
    const o = await outcome(rule('SMCP-SECRET-001'), files);
    expect(o.evidence[0]).toMatchObject({ file: 'src/upstream.ts', line: 3 });
    expect(JSON.stringify(o)).not.toContain(token);
  });

  it.each([
    ['AWS', () => `const id = '${'AKIA' + 'Q7RZ5K2M9XW3PLTB'}';`],
    ['Slack', () => `x = "${fakeToken('xoxb-', 40)}"`],
    ['Stripe', () => `stripe(${JSON.stringify(fakeToken('sk_live_', 30))})`],
    ['Google', () => `const g = '${fakeToken('AIza', 35)}';`],
    ['Anthropic', () => `new Anthropic({ apiKey: '${fakeToken('sk-ant-api03-', 40)}' })`],
    ['OpenAI', () => `const o = '${fakeToken('sk-proj-', 40)}';`],
    ['npm', () => `//registry.npmjs.org/:_authToken=${fakeToken('npm_', 36)}`],
    ['private key', () => `const pem = '-----BEGIN ${'RSA PRIVATE'} KEY-----\\n${randomBytes(48).toString('base64')}\\n-----END RSA PRIVATE KEY-----';`],
    ['JWT', () => `const t = '${['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0', randomBytes(32).toString('base64url')].join('.')}';`],
    ['high-entropy secret name', () => `const clientSecret = '${randomBytes(30).toString('base64url')}';`],
    ['high-entropy env file', () => `UPSTREAM_API_KEY=${randomBytes(30).toString('base64url')}`],
  ])('finds a %s', async (_name, line) => {
    const path = _name === 'high-entropy env file' ? 'deploy/prod.env' : _name === 'npm' ? '.npmrc' : 'src/leak.ts';
    const o = await outcome(rule('SMCP-SECRET-001'), new Map([[path, `\n${line()}\n`]]));
    expect(o.status).toBe('fail');
    expect(o.evidence[0]).toMatchObject({ file: path, line: 2 });
  });

  it('ignores placeholders, hashes, lockfiles and names that only describe a secret', async () => {
    const files = new Map([
      ['src/a.ts', [
        "const apiKey = 'x'.repeat(40);",
        "const token = 'test-token-aaaaaaaaaaaaaaaaaaaa';",
        "const password = 'changeme-changeme-changeme';",
        "const keyHash = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';",
        `const tokenId = '${randomBytes(24).toString('base64url')}';`,
        "const AWS_EXAMPLE = 'AKIAIOSFODNN7EXAMPLE';",
        "const integrity = 'sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==';",
        "if (token.startsWith('sk-')) throw new Error('looks like an OpenAI key');",
      ].join('\n')],
      ['package-lock.json', `{ "token": "${fakeToken('ghp_', 36)}" }`],
    ]);
    const o = await outcome(rule('SMCP-SECRET-001'), files);
    expect(o.status, JSON.stringify(o.evidence)).toBe('pass');
  });

  it('never repeats a secret in evidence, even a short punctuated one', async () => {
    const secret = ['Tr0ub4dor', '&3xyzPQ!!', 'aa-Zq'].join(''); // built here: this file holds no secret-looking literal
    const o = await outcome(rule('SMCP-SECRET-001'), new Map([['src/db.ts', `export const dbPassword = '${secret}';\n`]]));
    expect(o.status).toBe('fail');
    expect(JSON.stringify(o)).not.toContain(secret);
    const d = await outcome(rule('SMCP-SECRET-002'), new Map([['src/db.ts', `const p = process.env.DB_PASSWORD || '${secret}';\n`]]));
    expect(d.status).toBe('fail');
    expect(JSON.stringify(d)).not.toContain(secret);
  });

  it('does not read git-ignored files such as .env', async () => {
    const files = changed(base, { '.env': `AUDIT_HMAC_KEY=${randomBytes(32).toString('base64url')}\n` });
    expect((await outcome(rule('SMCP-SECRET-001'), files)).status).toBe('pass');
  });
});

describe('SMCP-SECRET-002 secret env fallbacks', () => {
  it('fails on `process.env.X || literal` (only this item)', async () => {
    const files = changed(base, { 'src/upstream.ts': "export const upstreamKey = process.env.UPSTREAM_API_KEY || 'dev-key';\n" });
    expect(await newFails(files)).toEqual(['SMCP-SECRET-002']);
    expect((await outcome(rule('SMCP-SECRET-002'), files)).evidence[0]).toMatchObject({ file: 'src/upstream.ts', line: 1 });
  });

  it.each([
    "const s = process.env.SESSION_SECRET ?? 'keyboard cat';",
    "const s = process.env['JWT_SECRET'] || \"secret\";",
    "const { API_TOKEN = 'abc', PORT = '3000' } = process.env;",
    "const url = process.env.DATABASE_URL ?? 'postgres://app:hunter2@localhost/db';",
    "const p = env.DB_PASSWORD || `postgres`;",
    "const k = process.env.API_KEY! || 'dev';",
  ])('fails on %s', async (code) => {
    expect((await outcome(rule('SMCP-SECRET-002'), new Map([['src/c.ts', code]]))).status).toBe('fail');
  });

  it.each([
    "const port = process.env.PORT || '3000';",
    "const url = process.env.DATABASE_URL ?? 'postgres://localhost/db';",
    "const file = process.env.TLS_KEY_FILE ?? 'key.pem';",
    "const key = process.env.API_KEY ?? '';",
    "// const key = process.env.API_KEY || 'dev';",
  ])('passes %s', async (code) => {
    expect((await outcome(rule('SMCP-SECRET-002'), new Map([['src/c.ts', code]]))).status).toBe('pass');
  });
});

describe('SMCP-CONFIG-001 config in one place', () => {
  it('warns (only this item changes) when a third file reads process.env, naming them', async () => {
    const files = changed(base, {
      'src/a.ts': 'export const a = process.env.A_THING;\n',
      'src/b.ts': "export const { B } = process.env;\nexport const c = process.env['C'];\n",
    });
    expect(await newFails(files)).toEqual([]);
    const o = await outcome(rule('SMCP-CONFIG-001'), files);
    expect(o.status).toBe('warn');
    expect(o.message).toContain('src/a.ts');
    expect(o.message).toContain('src/b.ts');
    expect(o.evidence.find((e) => e.file === 'src/b.ts')?.line).toBe(1);
  });

  it('is not applicable without any env read, and ignores comments and strings', async () => {
    const o = await outcome(rule('SMCP-CONFIG-001'), new Map([['src/a.ts', "// process.env.X\nconst s = 'process.env.Y';\n"]]));
    expect(o.status).toBe('not-applicable');
  });
});

describe('SMCP-LOG-001 secrets in logs', () => {
  it('fails on a logged token (only this item)', async () => {
    const files = changed(base, { 'src/debug.ts': "import type { Logger } from './logger.js';\nexport function dump(logger: Logger, token: string): void {\n  logger.info({ token }, 'token received');\n}\n" });
    expect(await newFails(files)).toEqual(['SMCP-LOG-001']);
    expect((await outcome(rule('SMCP-LOG-001'), files)).evidence[0]).toMatchObject({ file: 'src/debug.ts', line: 3 });
  });

  it.each([
    'console.log(apiKey);',
    'console.log(`key=${clientSecret}`);',
    "log.debug('auth', req.headers.authorization);",
    "request.log.info({ h: req.headers['authorization'] });",
    'this.logger.warn(config.password);',
  ])('fails on %s', async (code) => {
    expect((await outcome(rule('SMCP-LOG-001'), new Map([['src/c.ts', code]]))).status).toBe('fail');
  });

  it.each([
    'logger.info({ keyId, tokenHash }, "key used");',
    "console.error('token expired');",
    'logger.warn({ err }, `refused: ${reason}`);',
    'logger.info({ tokenCount, tokensUsed, maxTokens });',
    'logger.info({ redactedToken });',
  ])('passes %s', async (code) => {
    const o = await outcome(rule('SMCP-LOG-001'), new Map([['src/c.ts', code]]));
    expect(o.status, JSON.stringify(o.evidence)).toBe('pass');
  });
});
