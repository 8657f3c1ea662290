/**
 * Static review of an MCP server's HTTP layer (any TypeScript/JavaScript project, ours included).
 * Guards against the ways an HTTP MCP endpoint is commonly exposed: no authentication, no Host/Origin
 * check (DNS rebinding), unbounded bodies, rate limits a proxy or a botnet shares, plaintext on a
 * public bind, wildcard CORS with credentials, OAuth without RFC 9728 metadata or an audience check,
 * and the caller's token passed on upstream. A project made by create-secure-mcp is read at its known
 * files; any other project by patterns (comment-masked). A pattern not understood finds nothing:
 * the item then warns or fails with what was looked for, it never passes without evidence.
 */
import { evidenceOf, findInSources, lineText, maskComments } from '../source-scan.js';
import type { Evidence, Outcome, ProjectView, Rule } from '../types.js';
import { after, callArguments, findAll, first, generatedSpec, httpTransport, isGeneratedHttp, NO_HTTP, result } from './http-scan.js';

const MCP01 = 'MCP01: Token Mismanagement & Secret Exposure';
const MCP02 = 'MCP02: Privilege Escalation via Scope Creep';
const MCP07 = 'MCP07: Insufficient Authentication & Authorization';
const MCP10 = 'MCP10: Context Injection & Over-Sharing';

/** Runs `body` only for a project with an HTTP transport. */
function http(body: (project: ProjectView, where: Evidence) => Outcome): Rule['run'] {
  return (project) => {
    const where = httpTransport(project);
    return where === undefined ? NO_HTTP : body(project, where);
  };
}

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-001 authentication

const KNOWN_AUTH = /\b(?:requireBearerAuth|bearerAuth|mcpAuthRouter|verifyAccessToken|passport\.authenticate|expressjwt|jwtCheck|auth\s*\(\s*\{\s*(?:audience|issuerBaseURL))\s*\(?/;
const AUTH_HEADER_READ = /(?:headers\s*(?:\.\s*authorization|\[\s*['"`]authorization['"`]\s*\])|headers\s*\.\s*get\s*\(\s*['"`]authorization['"`]|\bauthInfo\s*[:=]|req\s*\.\s*auth\s*=)/i;
const STATUS_401 = /(?:\b401\b|Unauthorized)/;

const authentication: Rule = {
  id: 'SMCP-HTTP-001',
  title: 'Authentication on the MCP endpoint',
  severity: 'critical',
  checklist: 'Every request to the HTTP MCP endpoint is authenticated (a verified bearer token or API key) before any MCP handler runs.',
  owasp: MCP07,
  hint: 'Put a bearer-token middleware (e.g. requireBearerAuth from @modelcontextprotocol/express, or your own that answers 401 with WWW-Authenticate) in front of the MCP handler.',
  run: http((project) => {
    if (isGeneratedHttp(project)) {
      const gate = first(project, 'src/http/authenticate.ts', /export\s+function\s+authenticate\s*\(/);
      const inChain = first(project, 'src/http/app.ts', /\bauthenticate\s*\(\s*authenticator\b/);
      const serve = first(project, 'src/http/app.ts', /\bserveMcp\s*\(\s*mcp\b/);
      if (gate === undefined || inChain === undefined) {
        return result('fail', gate === undefined ? 'src/http/authenticate.ts (the authentication gate) is missing' : 'the authentication step is not in the request chain of src/http/app.ts', [gate, serve]);
      }
      if (serve !== undefined && serve.line !== undefined && inChain.line !== undefined && serve.line < inChain.line) {
        return result('fail', 'the MCP handler runs before the authentication step in src/http/app.ts', [serve, inChain]);
      }
      const mode = generatedSpec(project)?.auth;
      return result('pass', mode === 'none' ? 'authentication step in the chain (auth "none": the local principal, loopback binds only)' : `authentication step in the request chain before the MCP handler (auth "${mode ?? 'unknown'}")`, [inChain, gate]);
    }
    const known = findAll(project, KNOWN_AUTH);
    if (known.length > 0) return result('pass', 'bearer authentication middleware found', known);
    const reads = findAll(project, AUTH_HEADER_READ);
    const refusals = findAll(project, STATUS_401);
    if (reads.length > 0 && refusals.length > 0) return result('pass', 'the Authorization header is checked and requests are refused with 401', [...reads.slice(0, 3), ...refusals.slice(0, 2)]);
    if (reads.length > 0) return result('warn', 'the Authorization header is read, but no 401 refusal was found: confirm unauthenticated requests are refused before the MCP handler', reads);
    return result('fail', 'no authentication found on the MCP endpoint (looked for requireBearerAuth, verifyAccessToken, an Authorization header check with a 401)');
  }),
};

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-002 Host and Origin validation

const DNS_OFF = /\benableDnsRebindingProtection\s*:\s*false\b/;
const DNS_ON = /\b(?:allowedHosts|allowedOrigins|hostHeaderValidation|localhostHostValidation|enableDnsRebindingProtection\s*:\s*true)\b/;
const HOST_READ = /headers\s*(?:\.\s*host\b|\[\s*['"`]host['"`]\s*\])|headers\s*\.\s*get\s*\(\s*['"`]host['"`]/i;
const ORIGIN_READ = /headers\s*(?:\.\s*origin\b|\[\s*['"`]origin['"`]\s*\])|headers\s*\.\s*get\s*\(\s*['"`]origin['"`]/i;

const hostOrigin: Rule = {
  id: 'SMCP-HTTP-002',
  title: 'Host and Origin validation (DNS rebinding)',
  severity: 'high',
  checklist: 'The HTTP endpoint accepts only allowlisted Host headers and refuses cross-site Origins (403), on every bind address.',
  owasp: MCP07,
  hint: 'Pass allowedHosts and allowedOrigins (createMcpExpressApp, or the transport\'s enableDnsRebindingProtection), or check Host and Origin yourself and answer 403.',
  run: http((project) => {
    if (isGeneratedHttp(project)) {
      const guard = first(project, 'src/http/host-origin.ts', /export\s+function\s+hostOriginGuard\s*\(/);
      const inChain = first(project, 'src/http/app.ts', /\bhostOriginGuard\s*\(/);
      if (guard === undefined || inChain === undefined) return result('fail', guard === undefined ? 'src/http/host-origin.ts (the Host/Origin allowlists) is missing' : 'the Host/Origin guard is not in the request chain of src/http/app.ts', [guard]);
      return result('pass', 'Host and Origin allowlists checked on every request', [inChain, guard]);
    }
    const off = findAll(project, DNS_OFF);
    if (off.length > 0) return result('fail', 'DNS-rebinding protection is switched off', off);
    const on = findAll(project, DNS_ON);
    if (on.length > 0) return result('pass', 'Host/Origin allowlists configured', on);
    const hostReads = findAll(project, HOST_READ);
    const originReads = findAll(project, ORIGIN_READ);
    const express = findAll(project, /\bcreateMcpExpressApp\s*\(/);
    if (hostReads.length > 0 && originReads.length > 0) return result('pass', 'Host and Origin headers are checked', [...hostReads.slice(0, 2), ...originReads.slice(0, 2)]);
    if (express.length > 0) return result('warn', 'createMcpExpressApp validates Host only for loopback hosts by itself; pass allowedHosts and allowedOrigins for any other bind', express);
    if (hostReads.length > 0 || originReads.length > 0) return result('warn', `only the ${hostReads.length > 0 ? 'Host' : 'Origin'} header is checked; validate both`, [...hostReads, ...originReads]);
    return result('fail', 'no Host/Origin validation found (looked for allowedHosts, allowedOrigins, enableDnsRebindingProtection, hostHeaderValidation, Host/Origin header checks)');
  }),
};

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-003 body limit

const BODY_LIMIT = /\b(?:maxRequestBodySize|bodyLimit|jsonLimit|maxBodyBytes|maxBodySize|MAX_BODY\w*)\b/;
const PARSER = /\b(?:express|bodyParser)\s*\.\s*(?:json|raw|text|urlencoded)\s*\(/;
const RAW_READ = /(?:\.on\s*\(\s*['"`]data['"`]|for\s+await\s*\(\s*const\s+\w+\s+of\s+req\b|\bgetRawBody\s*\(|\breq\s*\.\s*(?:json|text|arrayBuffer)\s*\(\s*\))/;

const bodyLimit: Rule = {
  id: 'SMCP-HTTP-003',
  title: 'Request body size limit',
  severity: 'medium',
  checklist: 'Request bodies on the MCP endpoint have a declared maximum size; larger ones get 413 before they are buffered.',
  owasp: MCP10,
  hint: 'Declare a limit: express.json({ limit: "1mb" }), createMcpExpressApp({ jsonLimit }), createMcpHandler({ maxRequestBodySize }), or refuse a Content-Length over your maximum with 413.',
  run: http((project) => {
    if (isGeneratedHttp(project)) {
      const declared = first(project, 'src/http/app.ts', /\bdeclaredLengthLimit\s*\(/);
      const parse = first(project, 'src/http/app.ts', /\bparseJsonRpc\s*\(\s*http\.maxBodyBytes/);
      const defined = first(project, 'src/http/body.ts', /export\s+function\s+declaredLengthLimit\s*\(/);
      if (declared === undefined || parse === undefined || defined === undefined) return result('fail', 'the body limit (src/http/body.ts: declaredLengthLimit and parseJsonRpc with HTTP_MAX_BODY_BYTES) is not in the request chain', [declared, parse, defined]);
      return result('pass', 'declared and streamed body sizes bounded by HTTP_MAX_BODY_BYTES (413)', [declared, parse]);
    }
    const sources = project.sources();
    const parsers = findInSources(sources, PARSER);
    const unbounded = parsers.filter((m) => !/\blimit\s*:/.test(callArguments(maskComments(sources.find((f) => f.path === m.file)?.text ?? ''), m.index + m.match[0].length - 1)));
    const limits = findAll(project, BODY_LIMIT);
    const parserLimits = parsers.filter((m) => !unbounded.includes(m)).map((m) => evidenceOf(m, sources));
    if (unbounded.length > 0 && limits.length === 0) return result('warn', 'a body parser without an explicit limit (the framework default applies); declare one', unbounded.map((m) => evidenceOf(m, sources)));
    if (parserLimits.length > 0 || limits.length > 0) return result('pass', 'a request body limit is declared', [...parserLimits, ...limits]);
    const status413 = findAll(project, /\b413\b|Payload Too Large|Content Too Large/);
    const contentLength = findAll(project, /content-length/i);
    if (status413.length > 0 && contentLength.length > 0) return result('pass', 'oversized bodies are refused with 413', [...status413.slice(0, 3), ...contentLength.slice(0, 2)]);
    const raw = findAll(project, RAW_READ);
    if (raw.length > 0) return result('fail', 'the request body is read without a size limit', raw);
    const express = findAll(project, /\bcreateMcpExpressApp\s*\(/);
    if (express.length > 0) return result('warn', 'createMcpExpressApp without jsonLimit: express\'s 100 kB default applies; declare the limit you mean', express);
    return result('warn', 'no request body limit found (looked for express.json({ limit }), jsonLimit, maxRequestBodySize, bodyLimit, a 413 on Content-Length); the SDK transport\'s own cap may apply');
  }),
};

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-004 rate limits keyed on identity

const LIMITER = /\bRateLimiter(?:Memory|Redis|Postgres|Mongo|Cluster|Memcache|Union|Queue)\b|\b(?:rateLimit|rateLimiter|slowDown)\s*\(|@fastify\/rate-limit|hono-rate-limiter|express-rate-limit|rate-limiter-flexible/;
const IDENTITY = /\b(?:auth|authInfo|principal|user(?:Id)?|sub|clientId|apiKey|identity|account|caller)\b/i;
const IP_KEY = /\b(?:req\s*\.\s*ip|ip|remoteAddress|x-forwarded-for|clientIp|address)\b/i;

const rateLimits: Rule = {
  id: 'SMCP-HTTP-004',
  title: 'Rate limits keyed on identity',
  severity: 'high',
  checklist: 'Tool calls are rate-limited per authenticated principal (and per tool), not only per client address.',
  owasp: MCP02,
  hint: 'Key a limiter on the verified identity (e.g. keyGenerator: (req) => req.auth.clientId with express-rate-limit, or limiter.consume(principalId) with rate-limiter-flexible), in addition to any per-IP limit.',
  run: http((project) => {
    if (isGeneratedHttp(project)) {
      const calls = first(project, 'src/http/app.ts', /\bcallLimits\s*\(/);
      const ip = first(project, 'src/http/app.ts', /\bipLimit\s*\(/);
      const principal = first(project, 'src/http/limits.ts', /consumeCallBudget\s*\(\s*runtime\.rateLimits\s*,\s*principal\.id/);
      if (calls === undefined || principal === undefined) return result(ip === undefined ? 'fail' : 'warn', ip === undefined ? 'no rate limit in the request chain of src/http/app.ts' : 'only the per-IP limit is in the chain: the per-principal and per-tool limits (callLimits, src/http/limits.ts) are missing', [ip, calls]);
      return result('pass', 'per-principal, per-(principal, tool) and concurrency limits after authentication, plus a per-IP limit', [calls, principal, ip]);
    }
    const sources = project.sources();
    const limiters = findInSources(sources, LIMITER);
    if (limiters.length === 0) return result('fail', 'no rate limiter found (looked for rate-limiter-flexible, express-rate-limit, @fastify/rate-limit, hono-rate-limiter)');
    const keyers = [...findInSources(sources, /\bkeyGenerator\s*:/), ...findInSources(sources, /\.\s*consume\s*\(/)];
    const byIdentity = keyers.filter((m) => IDENTITY.test(after(sources, m, 200).split('\n').slice(0, 3).join('\n')));
    if (byIdentity.length > 0) return result('pass', 'a rate limiter is keyed on the caller\'s identity', byIdentity.map((m) => evidenceOf(m, sources)));
    const byIp = keyers.filter((m) => IP_KEY.test(after(sources, m, 200).split('\n').slice(0, 3).join('\n')));
    return result('warn', keyers.length === 0 || byIp.length > 0 ? 'rate limits found, keyed on the client address only (a proxy or NAT shares one bucket; a botnet gets many)' : 'rate limits found, but no key on the caller\'s identity was recognised', [...byIp, ...limiters].map((m) => evidenceOf(m, sources)));
  }),
};

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-005 TLS or a trusted proxy for non-loopback binds

const TLS = /\b(?:https\.createServer|http2\.createSecureServer|tls\.createServer|createSecureServer)\s*\(|\b(?:TLS_CERT\w*|SSL_CERT\w*|certFile|cert\s*:\s*(?:readFileSync|fs\.readFileSync|await))/;
const PROXY = /trust\s*proxy|\btrustProxy\b|\bTRUST_PROXY\b/i;
const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

const transportSecurity: Rule = {
  id: 'SMCP-HTTP-005',
  title: 'TLS or a trusted proxy for non-loopback binds',
  severity: 'high',
  checklist: 'A server listening beyond loopback serves TLS itself or sits behind a named TLS-terminating proxy; the default bind is loopback.',
  owasp: MCP01,
  hint: 'Bind 127.0.0.1 by default; for any other address serve https (TLS >= 1.2) or configure the trusted proxy that terminates TLS (e.g. app.set("trust proxy", "10.0.0.5")).',
  run: http((project) => {
    if (isGeneratedHttp(project)) {
      const refusal = first(project, 'src/config/http.ts', /!\s*loopback\s*\)[\s\S]*?!tls\s*&&\s*trustProxy\.length\s*===\s*0/);
      const defaultHost = first(project, 'src/config/http.ts', /env\[\s*['"]HOST['"]\s*\][^\n]*\|\|\s*['"]127\.0\.0\.1['"]/);
      if (refusal === undefined || defaultHost === undefined) return result('fail', refusal === undefined ? 'src/config/http.ts no longer refuses a non-loopback HOST without TLS or TRUST_PROXY' : 'the default HOST is no longer 127.0.0.1 in src/config/http.ts', [refusal, defaultHost]);
      const tlsLine = first(project, 'src/config/http.ts', /!tls\s*&&\s*trustProxy\.length\s*===\s*0/);
      return result('pass', 'loopback by default; a non-loopback HOST needs TLS_CERT_FILE/TLS_KEY_FILE or TRUST_PROXY (config refuses to start otherwise)', [defaultHost, tlsLine ?? refusal]);
    }
    const sources = project.sources();
    const tls = findAll(project, TLS);
    const proxy = findAll(project, PROXY);
    const listens = findInSources(sources, /\.\s*listen\s*\(/);
    const exposed: Evidence[] = [];
    const loopback: Evidence[] = [];
    for (const m of listens) {
      const masked = maskComments(sources.find((f) => f.path === m.file)?.text ?? '');
      const args = callArguments(masked, m.index + m.match[0].length - 1, 400);
      const literal = /['"`]([^'"`\s]+)['"`]/.exec(args.replace(/\([^)]*\)\s*=>[\s\S]*$/, ''));
      const host = literal?.[1];
      const envHost = /process\.env\s*(?:\.\s*(?:HOST|HOSTNAME|BIND\w*)|\[\s*['"`](?:HOST|HOSTNAME)['"`]\s*\])/.test(args);
      if (host !== undefined && LOOPBACK.test(host) && !envHost) loopback.push(evidenceOf(m, sources));
      else if (/^\s*\{/.test(args) && !/\bhost\s*:/.test(args)) exposed.push(evidenceOf(m, sources));
      else if (/\bhost\s*:\s*['"`]([^'"`]+)['"`]/.exec(args)?.[1] !== undefined && LOOPBACK.test(/\bhost\s*:\s*['"`]([^'"`]+)['"`]/.exec(args)?.[1] ?? '')) loopback.push(evidenceOf(m, sources));
      else exposed.push(evidenceOf(m, sources)); // 0.0.0.0, ::, HOST from the environment, a variable, or no host (all interfaces)
    }
    if (exposed.length > 0) {
      if (tls.length > 0) return result('pass', 'listens beyond loopback, with TLS', [...tls, ...exposed]);
      if (proxy.length > 0) return result('warn', 'listens beyond loopback without TLS; a trusted proxy is configured: make sure it terminates TLS', [...proxy, ...exposed]);
      return result('fail', 'listens on all interfaces, or on a host from the environment, without TLS or a trusted proxy', exposed);
    }
    if (loopback.length > 0) return result('pass', 'listens on loopback only', loopback);
    if (tls.length > 0) return result('pass', 'serves TLS', tls);
    return result('warn', 'no listen call found (a platform or framework may bind the port): make sure the endpoint is served over https beyond loopback');
  }),
};

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-006 no wildcard CORS with credentials

const WILDCARD = /Access-Control-Allow-Origin['"`]?\s*[,:]\s*['"`]\*['"`]|\bcors\s*\(\s*\)|\borigin\s*:\s*(?:['"`]\*['"`]|true\b)/i;
const REFLECT = /Access-Control-Allow-Origin['"`]?\s*[,:]\s*(?:req|request|c\.req)\s*\.\s*(?:headers\s*(?:\.\s*origin|\[\s*['"`]origin['"`]\s*\])|header\s*\(\s*['"`]origin['"`]\s*\))/i;
const CREDENTIALS = /\bcredentials\s*:\s*true\b|Access-Control-Allow-Credentials['"`]?\s*[,:]\s*['"`]?true/i;

const corsRule: Rule = {
  id: 'SMCP-HTTP-006',
  title: 'No wildcard CORS with credentials',
  severity: 'high',
  checklist: 'CORS names exact origins; it never answers `*` or reflects any Origin together with credentials.',
  owasp: MCP07,
  hint: 'List the exact origins allowed (cors({ origin: ["https://app.example.com"] })) and drop credentials unless they are needed for those origins only.',
  run: http((project) => {
    const wildcard = findAll(project, WILDCARD);
    const reflect = findAll(project, REFLECT);
    const credentials = findAll(project, CREDENTIALS);
    if ((wildcard.length > 0 || reflect.length > 0) && credentials.length > 0) return result('fail', 'any origin is allowed, together with credentials', [...wildcard, ...reflect, ...credentials]);
    if (reflect.length > 0) return result('warn', 'the request\'s Origin is reflected into Access-Control-Allow-Origin: any site may read the answers', reflect);
    if (wildcard.length > 0) return result('warn', 'wildcard CORS: any site may call the endpoint from a browser (no credentials sent)', wildcard);
    if (isGeneratedHttp(project)) {
      const exact = first(project, 'src/http/headers.ts', /setHeader\s*\(\s*['"]Access-Control-Allow-Origin['"]\s*,\s*origin\s*\)/);
      return result('pass', 'CORS only for the exact origins in ALLOWED_ORIGINS, never with credentials', [exact]);
    }
    return result('pass', 'no wildcard or reflected CORS found');
  }),
};

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-007 OAuth: protected-resource metadata and audience

const TOKEN_VERIFY = /\b(?:jwtVerify|jwt\s*\.\s*verify|verifyAccessToken|requireBearerAuth|createRemoteJWKSet|introspect\w*|jwtDecode)\s*\(/;
const METADATA = /oauth-protected-resource|\b(?:getOAuthProtectedResourceMetadataUrl|mcpAuthMetadataRouter|buildOAuthProtectedResourceMetadata|createProtectedResourceMetadataRouter|protectedResourceMetadata)\b/;
const AUD_CHECK = /\.\s*aud\b\s*(?:===|!==|==|!=|\)|\.\s*includes)|\baud\s*(?:===|!==)|\bexpectedResource\s*:/;

const oauthRule: Rule = {
  id: 'SMCP-HTTP-007',
  title: 'OAuth: protected-resource metadata and token audience',
  severity: 'high',
  checklist: 'An OAuth-protected server serves RFC 9728 protected-resource metadata and accepts only tokens issued for it (audience / RFC 8707 resource checked).',
  owasp: MCP07,
  hint: 'Serve /.well-known/oauth-protected-resource (mcpAuthMetadataRouter) and verify tokens with an audience: jwtVerify(token, jwks, { issuer, audience }) or requireBearerAuth({ expectedResource }).',
  run: http((project) => {
    const spec = generatedSpec(project);
    const sources = project.sources();
    const verifies = findInSources(sources, TOKEN_VERIFY);
    if (spec !== undefined && isGeneratedHttp(project)) {
      if (spec.auth !== 'oauth') return result('not-applicable', `auth "${spec.auth ?? 'unknown'}": no OAuth tokens`);
    } else if (verifies.length === 0 && findAll(project, METADATA).length === 0) {
      return result('not-applicable', 'no OAuth/JWT token verification found');
    }
    const metadata = findAll(project, METADATA);
    const audienceAt = verifies.filter((m) => /\bjwtVerify|jwt\s*\.\s*verify|requireBearerAuth/.test(m.match[0])).filter((m) => {
      const masked = maskComments(sources.find((f) => f.path === m.file)?.text ?? '');
      return /\b(?:audience|expectedResource)\s*[:,}]/.test(callArguments(masked, m.index + m.match[0].length - 1, 1500));
    });
    const audience = [...audienceAt.map((m) => evidenceOf(m, sources)), ...findAll(project, AUD_CHECK)];
    const missing = [metadata.length === 0 ? 'RFC 9728 protected-resource metadata' : undefined, audience.length === 0 ? 'an audience check on tokens' : undefined].filter((s) => s !== undefined);
    if (missing.length > 0) return result('fail', `OAuth token verification without ${missing.join(' and ')}`, [...metadata, ...audience, ...verifies.map((m) => evidenceOf(m, sources))]);
    const served = [...metadata.filter((e) => !/^import\b/.test(e.snippet ?? '')), ...metadata];
    return result('pass', 'protected-resource metadata served and the token audience checked', [...audience.slice(0, 3), ...served.slice(0, 2)]);
  }),
};

// ---------------------------------------------------------------------------------------------
// SMCP-HTTP-008 no token passthrough

/** Expressions holding the caller's credential. */
const TOKEN_SOURCE = String.raw`(?:\b(?:req|request|c\.req|ctx\.http\??\.req)\s*\.\s*headers\s*(?:\.\s*authorization\b|\[\s*['"\`]authorization['"\`]\s*\])|\bheaders\s*\.\s*get\s*\(\s*['"\`]authorization['"\`]\s*\)|\bauthInfo\s*\??\.\s*token\b|\b(?:req|request)\s*\.\s*auth\s*\??\.\s*token\b)`;
const OUTBOUND = /\b(?:fetch|axios(?:\s*\.\s*\w+)?|got(?:\s*\.\s*\w+)?|ky(?:\s*\.\s*\w+)?|request|undici\s*\.\s*request|https?\s*\.\s*(?:request|get)|superagent\s*\.\s*\w+)\s*\(/;

const passthrough: Rule = {
  id: 'SMCP-HTTP-008',
  title: 'No token passthrough',
  severity: 'critical',
  checklist: 'The caller\'s token is never forwarded to upstream services; upstream calls use the server\'s own credentials.',
  owasp: MCP01,
  hint: 'Never put the incoming Authorization header or authInfo.token on an outbound request; obtain a token for the upstream (token exchange or the server\'s own credentials).',
  run: http((project) => {
    const sources = project.sources();
    const found: Evidence[] = [];
    for (const file of sources) {
      const masked = maskComments(file.text);
      if (!OUTBOUND.test(masked)) continue;
      const lines = masked.split('\n');
      const sourceRe = new RegExp(TOKEN_SOURCE, 'g');
      // Names that hold the credential: `const token = req.headers.authorization`, `const { token } = authInfo`.
      const names = new Set<string>();
      for (const m of masked.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s+(\w+)\s*=\s*[^;\n]*${TOKEN_SOURCE}`, 'g'))) if (m[1] !== undefined) names.add(m[1]);
      for (const m of masked.matchAll(/\b(?:const|let|var)\s*\{\s*[^}]*\btoken\b[^}]*\}\s*=\s*[^;\n]*\bauthInfo\b/g)) if (m[0] !== undefined) names.add('token');
      const nameRe = names.size === 0 ? undefined : new RegExp(String.raw`\b(?:${[...names].join('|')})\b`);
      lines.forEach((line, i) => {
        const headerLine = /\b(?:authorization|Authorization)['"`]?\s*:/.test(line) || /\bheaders\s*:\s*(?:req|request)\s*\.\s*headers\b/.test(line) || /\.\s*set(?:Header)?\s*\(\s*['"`]authorization['"`]/i.test(line);
        if (!headerLine) return;
        sourceRe.lastIndex = 0;
        const direct = sourceRe.test(line) || /\bheaders\s*:\s*(?:req|request)\s*\.\s*headers\b/.test(line);
        const viaName = nameRe !== undefined && /\b(?:authorization|Authorization)['"`]?\s*:/.test(line) && nameRe.test(line.replace(/^[^:]*:/, ''));
        if (!direct && !viaName) return;
        const window = lines.slice(Math.max(0, i - 12), i + 3).join('\n');
        if (OUTBOUND.test(window) || /\bheaders\s*:/.test(window)) found.push({ file: file.path, line: i + 1, snippet: lineText(file.text, i + 1) });
      });
    }
    if (found.length > 0) return result('fail', 'the caller\'s credential is put on an outbound request (token passthrough)', found);
    if (isGeneratedHttp(project)) {
      const withheld = first(project, 'src/http/mcp-endpoint.ts', /const\s+WITHHELD\s*=\s*new\s+Set\s*\(\s*\[[^\]]*['"]authorization['"]/);
      if (withheld === undefined) return result('fail', 'src/http/mcp-endpoint.ts no longer withholds the Authorization header from the SDK: tools can read and forward the caller\'s token', [first(project, 'src/http/mcp-endpoint.ts', /WITHHELD/)]);
      return result('pass', 'the SDK (and so every tool) never sees the Authorization header; tools get the verified AuthInfo only', [withheld]);
    }
    return result('pass', 'no incoming credential found on an outbound request');
  }),
};

export const RULES: readonly Rule[] = [authentication, hostOrigin, bodyLimit, rateLimits, transportSecurity, corsRule, oauthRule, passthrough];
