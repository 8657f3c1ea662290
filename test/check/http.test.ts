// SMCP-HTTP-001…008: generated projects pass (stdio ones are not-applicable), a fixture per item breaks
// exactly that item among the HTTP and audit rules, and hand-written SDK-style servers get the
// findings a reviewer would give them.
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES as AUDIT_RULES } from '../../src/check/rules/audit.js';
import { RULES as HTTP_RULES } from '../../src/check/rules/http.js';
import type { Outcome, Rule, Status } from '../../src/check/types.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import { changed, outcome, renderedFiles } from '../support/check-fixtures.js';

const MINE: readonly Rule[] = [...HTTP_RULES, ...AUDIT_RULES];
const rule = (id: string): Rule => {
  const found = MINE.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no rule ${id}`);
  return found;
};

async function all(files: ReadonlyMap<string, Buffer | string>): Promise<Record<string, Outcome>> {
  const out: Record<string, Outcome> = {};
  for (const r of MINE) out[r.id] = await r.run((await import('../support/check-fixtures.js')).view(files), { now: new Date(0), offline: true, auditKey: undefined });
  return out;
}

/** Statuses by id, for readable failures. */
const statuses = (outcomes: Record<string, Outcome>): Record<string, Status> => Object.fromEntries(Object.entries(outcomes).map(([id, o]) => [id, o.status]));

/** Only `id` fails among the HTTP and audit rules. */
async function onlyFails(files: ReadonlyMap<string, Buffer | string>, id: string): Promise<Outcome> {
  const outcomes = await all(files);
  const failing = Object.entries(outcomes).filter(([, o]) => o.status === 'fail').map(([i]) => i);
  expect(failing, JSON.stringify(statuses(outcomes))).toEqual([id]);
  return outcomes[id]!;
}

const SPECS: Record<string, Partial<ProjectSpec>> = {
  default: {},
  oauthPostgresRedis: { transport: 'http', auth: 'oauth', storage: 'postgres', rateLimitStore: 'redis', tools: ['files', 'notes', 'fetch'] } as Partial<ProjectSpec>,
  authNone: { transport: 'http', auth: 'none', storage: 'none', tools: ['files'] } as Partial<ProjectSpec>,
  stdio: { transport: 'stdio', storage: 'none', tools: ['files'] } as Partial<ProjectSpec>,
};
const rendered: Record<string, Map<string, Buffer>> = {};

beforeAll(async () => {
  for (const [name, spec] of Object.entries(SPECS)) rendered[name] = await renderedFiles(spec);
}, 120_000);

const files = (name: string): Map<string, Buffer> => {
  const f = rendered[name];
  if (f === undefined) throw new Error(`not rendered: ${name}`);
  return f;
};

describe('metadata', () => {
  it('every rule has its fixed id, an OWASP entry and text', () => {
    expect(HTTP_RULES.map((r) => r.id)).toEqual(['SMCP-HTTP-001', 'SMCP-HTTP-002', 'SMCP-HTTP-003', 'SMCP-HTTP-004', 'SMCP-HTTP-005', 'SMCP-HTTP-006', 'SMCP-HTTP-007', 'SMCP-HTTP-008']);
    for (const r of MINE) {
      expect(r.owasp).toMatch(/^MCP\d\d: /);
      expect(r.title.length * r.checklist.length * r.hint.length).toBeGreaterThan(0);
    }
  });
});

describe('generated projects', () => {
  it.each(['default', 'oauthPostgresRedis', 'authNone'])('%s: every HTTP item passes (OAuth item not-applicable without OAuth)', async (name) => {
    const outcomes = await all(files(name));
    for (const r of HTTP_RULES) {
      const expected = r.id === 'SMCP-HTTP-007' && name !== 'oauthPostgresRedis' ? 'not-applicable' : 'pass';
      expect(outcomes[r.id]?.status, `${r.id}: ${outcomes[r.id]?.message}`).toBe(expected);
      if (expected === 'pass') expect(outcomes[r.id]?.evidence.length, r.id).toBeGreaterThan(0);
    }
    expect(outcomes['SMCP-AUDIT-001']?.status).toBe('pass');
  });

  it('stdio: every HTTP item is not-applicable; the audit log still passes', async () => {
    const outcomes = await all(files('stdio'));
    for (const r of HTTP_RULES) expect(outcomes[r.id]?.status, r.id).toBe('not-applicable');
    expect(outcomes['SMCP-AUDIT-001']?.status).toBe('pass');
  });

  it('evidence is at most five entries with file and line', async () => {
    const outcomes = await all(files('oauthPostgresRedis'));
    for (const o of Object.values(outcomes)) {
      expect(o.evidence.length).toBeLessThanOrEqual(5);
      for (const e of o.evidence) if (e.file !== undefined) expect(e.line).toBeGreaterThan(0);
    }
  });
});

describe('one fixture breaks exactly one item', () => {
  const drop = (line: string) => (text: string) => text.replace(line, '');

  it('SMCP-HTTP-001: authentication taken out of the chain', async () => {
    const o = await onlyFails(changed(files('default'), { 'src/http/app.ts': drop('authenticate(authenticator, runtime, deps.authFailures),') }), 'SMCP-HTTP-001');
    expect(o.message).toMatch(/not in the request chain/);
  });

  it('SMCP-HTTP-002: Host/Origin guard taken out of the chain', async () => {
    await onlyFails(changed(files('default'), { 'src/http/app.ts': drop('hostOriginGuard(http, logger),') }), 'SMCP-HTTP-002');
  });

  it('SMCP-HTTP-003: declared-length limit taken out', async () => {
    await onlyFails(changed(files('default'), { 'src/http/app.ts': drop('declaredLengthLimit(http.maxBodyBytes),') }), 'SMCP-HTTP-003');
  });

  it('SMCP-HTTP-004: no rate limit at all fails; per-IP only warns', async () => {
    const none = changed(files('default'), { 'src/http/app.ts': (t) => drop('callLimits(runtime, http.maxConcurrentCalls),')(t).replace(/ipLimit\(ipLimiter[^\n]*\n/, '') });
    await onlyFails(none, 'SMCP-HTTP-004');
    const ipOnly = await outcome(rule('SMCP-HTTP-004'), changed(files('default'), { 'src/http/app.ts': drop('callLimits(runtime, http.maxConcurrentCalls),') }));
    expect(ipOnly.status).toBe('warn');
  });

  it('SMCP-HTTP-005: default HOST no longer loopback', async () => {
    await onlyFails(changed(files('default'), { 'src/config/http.ts': (t) => t.replace("|| '127.0.0.1'", "|| '0.0.0.0'") }), 'SMCP-HTTP-005');
  });

  it('SMCP-HTTP-005: the TLS/TRUST_PROXY refusal removed', async () => {
    await onlyFails(changed(files('default'), { 'src/config/http.ts': (t) => t.replace('if (!tls && trustProxy.length === 0) {', 'if (false) {') }), 'SMCP-HTTP-005');
  });

  it('SMCP-HTTP-006: wildcard origin with credentials', async () => {
    const edit = (t: string) => t.replace("res.setHeader('Access-Control-Allow-Origin', origin);", "res.setHeader('Access-Control-Allow-Origin', '*');\n    res.setHeader('Access-Control-Allow-Credentials', 'true');");
    const o = await onlyFails(changed(files('default'), { 'src/http/headers.ts': edit }), 'SMCP-HTTP-006');
    expect(o.evidence.some((e) => e.file === 'src/http/headers.ts')).toBe(true);
  });

  it('SMCP-HTTP-007: OAuth without the audience check', async () => {
    const o = await onlyFails(changed(files('oauthPostgresRedis'), { 'src/security/auth.ts': drop('audience: oauth.audience,') }), 'SMCP-HTTP-007');
    expect(o.message).toMatch(/audience/);
  });

  it('SMCP-HTTP-007: OAuth without protected-resource metadata', async () => {
    const edit = (t: string) => t.replace(/getOAuthProtectedResourceMetadataUrl/g, 'metadataUrlOf');
    const o = await onlyFails(changed(files('oauthPostgresRedis'), { 'src/security/auth.ts': edit }), 'SMCP-HTTP-007');
    expect(o.message).toMatch(/RFC 9728/);
  });

  it('SMCP-HTTP-008: the endpoint hands Authorization to the SDK', async () => {
    await onlyFails(changed(files('default'), { 'src/http/mcp-endpoint.ts': (t) => t.replace("new Set(['authorization', ", 'new Set([') }), 'SMCP-HTTP-008');
  });

  it('SMCP-HTTP-008: a tool forwards the caller\'s token upstream', async () => {
    const tool = [
      "export async function proxy(args: { url: string }, ctx: { http?: { authInfo?: { token: string } } }) {",
      '  const res = await fetch(args.url, {',
      "    headers: { Authorization: `Bearer ${ctx.http?.authInfo?.token}` },",
      '  });',
      '  return res.text();',
      '}',
    ].join('\n');
    const o = await onlyFails(changed(files('default'), { 'src/tools/proxy.ts': tool }), 'SMCP-HTTP-008');
    expect(o.evidence[0]).toMatchObject({ file: 'src/tools/proxy.ts', line: 3 });
  });

  it('SMCP-AUDIT-001: tool calls audited without their principal', async () => {
    await onlyFails(changed(files('default'), { 'src/security/guard.ts': drop('principal: principal?.id ?? null,') }), 'SMCP-AUDIT-001');
  });
});

// --- projects not made by create-secure-mcp ---------------------------------------------------------

const PKG = JSON.stringify({ name: 'x', type: 'module', dependencies: { '@modelcontextprotocol/sdk': '^1.32.0', express: '^5.0.0' } });

const SDK_EXPRESS = `import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const app = express();
app.use(express.json());

app.post('/mcp', async (req, res) => {
  const server = new McpServer({ name: 'demo', version: '1.0.0' });
  server.registerTool('add', { inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => transport.close());
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

app.listen(3000, '0.0.0.0');
`;

const GOOD_SERVER = `import express from 'express';
import rateLimit from 'express-rate-limit';
import { jwtVerify, createRemoteJWKSet } from 'jose';
import { requireBearerAuth, mcpAuthMetadataRouter } from '@modelcontextprotocol/express';
import { createMcpExpressApp } from '@modelcontextprotocol/express';
import { audit } from './audit.js';

const jwks = createRemoteJWKSet(new URL('https://auth.example.com/jwks'));
const verifier = {
  async verifyAccessToken(token) {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: 'https://auth.example.com',
      audience: 'https://mcp.example.com/mcp',
    });
    return { token, clientId: payload.sub, scopes: [], expiresAt: payload.exp };
  },
};
const app = createMcpExpressApp({ host: '127.0.0.1', allowedHosts: ['localhost'], allowedOrigins: [], jsonLimit: '1mb' });
app.use(mcpAuthMetadataRouter({ resourceServerUrl: new URL('https://mcp.example.com/mcp') }));
app.use(rateLimit({ windowMs: 60_000, limit: 60, keyGenerator: (req) => req.auth?.clientId ?? 'anonymous' }));
app.post('/mcp', requireBearerAuth({ verifier }), async (req, res) => {
  audit.info({ principal: req.auth.clientId, tool: req.body?.params?.name }, 'tool call');
  res.json({});
});
app.listen(3000, '127.0.0.1');
`;

const project = (source: string, extra: Record<string, string> = {}): Map<string, string> => new Map([['package.json', PKG], ['src/index.ts', source], ...Object.entries(extra)]);

describe('hand-written servers', () => {
  it('the SDK example over express without auth gets the expected findings', async () => {
    const got = statuses(await all(project(SDK_EXPRESS)));
    expect(got).toEqual({
      'SMCP-HTTP-001': 'fail',
      'SMCP-HTTP-002': 'fail',
      'SMCP-HTTP-003': 'warn',
      'SMCP-HTTP-004': 'fail',
      'SMCP-HTTP-005': 'fail',
      'SMCP-HTTP-006': 'pass',
      'SMCP-HTTP-007': 'not-applicable',
      'SMCP-HTTP-008': 'pass',
      'SMCP-AUDIT-001': 'fail',
      'SMCP-AUDIT-002': 'not-applicable',
    });
  });

  it('a carefully built server passes', async () => {
    const got = statuses(await all(project(GOOD_SERVER)));
    for (const id of ['SMCP-HTTP-001', 'SMCP-HTTP-002', 'SMCP-HTTP-003', 'SMCP-HTTP-004', 'SMCP-HTTP-005', 'SMCP-HTTP-006', 'SMCP-HTTP-007', 'SMCP-HTTP-008', 'SMCP-AUDIT-001']) expect(got[id], id).toBe('pass');
  });

  it('a stdio-only server is not-applicable for HTTP items', async () => {
    const src = "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nimport { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';\nconst s = new McpServer({ name: 'a', version: '1' });\nawait s.connect(new StdioServerTransport());\n";
    const got = statuses(await all(project(src)));
    for (const r of HTTP_RULES) expect(got[r.id], r.id).toBe('not-applicable');
    expect(got['SMCP-AUDIT-001']).toBe('fail');
  });

  it('comments never count: an allowlist in a comment is not an allowlist', async () => {
    const src = SDK_EXPRESS.replace("const app = express();", "// TODO: allowedHosts, requireBearerAuth\nconst app = express();");
    const got = statuses(await all(project(src)));
    expect(got['SMCP-HTTP-001']).toBe('fail');
    expect(got['SMCP-HTTP-002']).toBe('fail');
  });

  it('SMCP-HTTP-001: a custom Authorization check with 401 passes; a header read without refusal warns', async () => {
    const custom = SDK_EXPRESS.replace("app.post('/mcp', async (req, res) => {", "app.post('/mcp', async (req, res) => {\n  if (req.headers.authorization !== `Bearer ${process.env.TOKEN}`) return res.status(401).json({ error: 'unauthorized' });");
    expect((await outcome(rule('SMCP-HTTP-001'), project(custom))).status).toBe('pass');
    const weak = SDK_EXPRESS.replace("app.post('/mcp', async (req, res) => {", "app.post('/mcp', async (req, res) => {\n  const who = req.headers.authorization;");
    expect((await outcome(rule('SMCP-HTTP-001'), project(weak))).status).toBe('warn');
  });

  it('SMCP-HTTP-002: DNS-rebinding protection switched on passes, switched off fails; createMcpExpressApp alone warns', async () => {
    const on = SDK_EXPRESS.replace('sessionIdGenerator: undefined', "sessionIdGenerator: undefined, enableDnsRebindingProtection: true, allowedHosts: ['127.0.0.1:3000']");
    expect((await outcome(rule('SMCP-HTTP-002'), project(on))).status).toBe('pass');
    const off = SDK_EXPRESS.replace('sessionIdGenerator: undefined', 'sessionIdGenerator: undefined, enableDnsRebindingProtection: false');
    expect((await outcome(rule('SMCP-HTTP-002'), project(off))).status).toBe('fail');
    const sdkApp = SDK_EXPRESS.replace('const app = express();', "const app = createMcpExpressApp({ host: '0.0.0.0' });");
    expect((await outcome(rule('SMCP-HTTP-002'), project(sdkApp))).status).toBe('warn');
  });

  it('SMCP-HTTP-003: an explicit limit passes; a raw body read without one fails', async () => {
    const limited = SDK_EXPRESS.replace('express.json()', "express.json({ limit: '1mb' })");
    expect((await outcome(rule('SMCP-HTTP-003'), project(limited))).status).toBe('pass');
    const raw = `import http from 'node:http';\nimport { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';\nhttp.createServer((req, res) => {\n  let body = '';\n  req.on('data', (c) => (body += c));\n  req.on('end', () => res.end(body));\n}).listen(3000, '127.0.0.1');\n`;
    expect((await outcome(rule('SMCP-HTTP-003'), project(raw))).status).toBe('fail');
  });

  it('SMCP-HTTP-004: IP-keyed limits warn; identity-keyed pass', async () => {
    const ip = SDK_EXPRESS.replace('app.use(express.json());', "app.use(express.json());\napp.use(rateLimit({ windowMs: 60_000, limit: 100 }));");
    expect((await outcome(rule('SMCP-HTTP-004'), project(ip))).status).toBe('warn');
    const flexIp = SDK_EXPRESS.replace('app.use(express.json());', "const limiter = new RateLimiterMemory({ points: 10, duration: 1 });\napp.use(async (req, res, next) => {\n  await limiter.consume(req.ip);\n  next();\n});");
    expect((await outcome(rule('SMCP-HTTP-004'), project(flexIp))).status).toBe('warn');
    const flexUser = flexIp.replace('limiter.consume(req.ip)', 'limiter.consume(req.auth.clientId)');
    expect((await outcome(rule('SMCP-HTTP-004'), project(flexUser))).status).toBe('pass');
  });

  it('SMCP-HTTP-005: loopback passes, no host fails, HOST from env fails, TLS passes, a proxy warns', async () => {
    const listen = (line: string, extra = '') => SDK_EXPRESS.replace("app.listen(3000, '0.0.0.0');", `${extra}${line}`);
    expect((await outcome(rule('SMCP-HTTP-005'), project(listen("app.listen(3000, 'localhost', () => console.log('up'));")))).status).toBe('pass');
    expect((await outcome(rule('SMCP-HTTP-005'), project(listen('app.listen(3000, () => console.log("up on 127.0.0.1"));')))).status).toBe('fail');
    expect((await outcome(rule('SMCP-HTTP-005'), project(listen('app.listen(3000, process.env.HOST);')))).status).toBe('fail');
    expect((await outcome(rule('SMCP-HTTP-005'), project(listen("https.createServer({ key: readFileSync('k'), cert: readFileSync('c') }, app).listen(443, '0.0.0.0');")))).status).toBe('pass');
    expect((await outcome(rule('SMCP-HTTP-005'), project(listen("app.listen(3000, '0.0.0.0');", "app.set('trust proxy', '10.0.0.5');\n")))).status).toBe('warn');
  });

  it('SMCP-HTTP-006: cors() alone warns; cors with origin true and credentials fails; reflected Origin with credentials fails', async () => {
    const plain = SDK_EXPRESS.replace('app.use(express.json());', 'app.use(express.json());\napp.use(cors());');
    expect((await outcome(rule('SMCP-HTTP-006'), project(plain))).status).toBe('warn');
    const creds = SDK_EXPRESS.replace('app.use(express.json());', 'app.use(express.json());\napp.use(cors({ origin: true, credentials: true }));');
    expect((await outcome(rule('SMCP-HTTP-006'), project(creds))).status).toBe('fail');
    const reflect = SDK_EXPRESS.replace('app.use(express.json());', "app.use((req, res, next) => {\n  res.setHeader('Access-Control-Allow-Origin', req.headers.origin);\n  res.setHeader('Access-Control-Allow-Credentials', 'true');\n  next();\n});");
    expect((await outcome(rule('SMCP-HTTP-006'), project(reflect))).status).toBe('fail');
  });

  it('SMCP-HTTP-007: jwtVerify without audience nor metadata fails', async () => {
    const src = SDK_EXPRESS.replace('const app = express();', "const app = express();\nasync function check(token) {\n  return jwtVerify(token, jwks, { issuer: 'https://auth.example.com' });\n}");
    const o = await outcome(rule('SMCP-HTTP-007'), project(src));
    expect(o.status).toBe('fail');
    expect(o.message).toMatch(/metadata and an audience check/);
  });

  it('SMCP-HTTP-008: the incoming header forwarded through a variable, or all headers forwarded, fails', async () => {
    const viaVar = SDK_EXPRESS.replace("app.post('/mcp', async (req, res) => {", "app.post('/mcp', async (req, res) => {\n  const auth = req.headers.authorization;\n  await fetch('https://api.example.com/x', {\n    method: 'GET',\n    headers: { authorization: auth },\n  });");
    expect((await outcome(rule('SMCP-HTTP-008'), project(viaVar))).status).toBe('fail');
    const axios = SDK_EXPRESS.replace("app.post('/mcp', async (req, res) => {", "app.post('/mcp', async (req, res) => {\n  await axios.get('https://api.example.com/x', { headers: { Authorization: req.headers['authorization'] } });");
    expect((await outcome(rule('SMCP-HTTP-008'), project(axios))).status).toBe('fail');
    const all = SDK_EXPRESS.replace("app.post('/mcp', async (req, res) => {", "app.post('/mcp', async (req, res) => {\n  await fetch('https://api.example.com/x', { headers: req.headers });");
    expect((await outcome(rule('SMCP-HTTP-008'), project(all))).status).toBe('fail');
    const ownKey = SDK_EXPRESS.replace("app.post('/mcp', async (req, res) => {", "app.post('/mcp', async (req, res) => {\n  await fetch('https://api.example.com/x', { headers: { Authorization: `Bearer ${process.env.UPSTREAM_KEY}` } });");
    expect((await outcome(rule('SMCP-HTTP-008'), project(ownKey))).status).toBe('pass');
  });

  it('never throws on odd input (empty files, unbalanced code, binary-ish text)', async () => {
    const odd = project("app.listen(\napp.post('/mcp', (req, res) => { fetch(x, { headers: { Authorization: req.headers.authorization", { 'src/b.js': '\u0000\u0001{{{((([[[', 'src/c.ts': '' });
    for (const r of MINE) await expect(Promise.resolve(r.run((await import('../support/check-fixtures.js')).view(odd), { now: new Date(0), offline: true, auditKey: undefined }))).resolves.toBeDefined();
  });
});
