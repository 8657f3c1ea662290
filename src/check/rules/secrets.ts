/**
 * Secret rules. Guards against credentials in the repository (provider keys, private keys, JWTs,
 * high-entropy literals under secret names), against secret env vars with a literal fallback (a
 * default key that ships with the code), against configuration read all over the code base (no single
 * place validates it), and against secrets written to logs. Evidence never repeats a secret: every
 * snippet goes through lineText/maskSecrets.
 */
import type { Evidence, Outcome, ProjectFile, Rule } from '../types.js';
import { firstEvidence, lineText, maskSecrets } from '../source-scan.js';
import { callAt, evidenceAt, findInCode, lineAt, masked, rawLine, withoutComments } from './code-lexer.js';

const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb', 'deno.lock']);

/** Values that are obviously not real secrets. */
const PLACEHOLDER = /example|dummy|change[-_ ]?me|changeit|placeholder|your[-_ ]?|xxxx|fake|test|sample|redacted|\*\*\*|<[^>]*>|\.\.\.|0{6}|123456|abcdef|not[-_ ]?a[-_ ]?(?:real|secret)|insert|replace|todo|\$\{|\{\{/i;

export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

interface Pattern {
  readonly name: string;
  readonly re: RegExp;
  /** Also require entropy (broad character sets). */
  readonly random?: boolean;
}

const PATTERNS: readonly Pattern[] = [
  { name: 'AWS access key id', re: /(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])/g },
  { name: 'GitHub token', re: /(?<![\w])(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36,255}/g },
  { name: 'GitHub fine-grained token', re: /(?<![\w])github_pat_[A-Za-z0-9_]{50,255}/g },
  { name: 'Slack token', re: /(?<![\w])xox[abpr]-[A-Za-z0-9-]{10,250}/g },
  { name: 'Stripe live key', re: /(?<![\w])(?:sk|rk)_live_[A-Za-z0-9]{16,250}/g },
  { name: 'Google API key', re: /(?<![\w])AIza[0-9A-Za-z_-]{35}/g },
  { name: 'Anthropic API key', re: /(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,250}/g, random: true },
  { name: 'OpenAI API key', re: /(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,250}/g, random: true },
  { name: 'npm token', re: /(?<![\w])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { name: 'private key block', re: /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:\\r|\\n|\s){1,8}(?:Proc-Type|[A-Za-z0-9+/=]{40})/g },
  { name: 'JSON Web Token', re: /(?<![\w-])eyJ[A-Za-z0-9_-]{10,4000}\.eyJ[A-Za-z0-9_-]{10,8000}\.[A-Za-z0-9_-]{10,2000}/g },
];

const SECRET_NAME = /(?:secret|token|passw(?:or)?d|passwd|pwd|api[-_]?key|private[-_]?key|client[-_]?secret|auth|credential|access[-_]?key|signing[-_]?key|hmac[-_]?key|session[-_]?key|encryption[-_]?key|bearer)/i;
/** Names that describe a secret without holding it (keyId, tokenHash, TLS_KEY_FILE). */
const NOT_A_SECRET_NAME = /(?:id|ids|hash|hashed|digest|fingerprint|redact\w*|name|names|url|uri|endpoint|header|path|file|dir|env|var|length|len|size|count|max|min|ttl|expir\w*|type|prefix|suffix|scope|scopes|mode|pattern|regex|hint|label|field|kind|method|format|version|issuer|audience|metadata|strategy|provider|required|enabled|error|message)$/i;
const ENV_LIKE_FILE = /(?:^|\/)(?:\.env[\w.-]*|[^/]*\.env|\.npmrc|[^/]*\.(?:ya?ml|ini|properties|toml|conf|cfg)|Dockerfile[\w.-]*|[^/]*\.dockerfile)$/i;

const ASSIGN = /([A-Za-z_$][\w$.-]{0,80})["']?\s*(?::|=|:=)\s*(?:(['"`])([^'"`\n\\]{20,500})\2|([^\s'"`,;#]{20,500}))/g;

function isSecretName(name: string): boolean {
  const last = name.split(/[.-]/).pop() ?? name;
  return SECRET_NAME.test(last) && !NOT_A_SECRET_NAME.test(last);
}

function looksRandom(value: string): boolean {
  return value.length >= 20 && !/\s/.test(value) && entropy(value) >= 3.5 && !PLACEHOLDER.test(value) && !/^(?:sha(?:1|256|384|512)[-:]|[a-z]+:\/\/)/i.test(value) && !/^[a-z]+(?:[._-][a-z]+)+$/.test(value);
}

/** The source line with `value` (and any other key-like run) masked: evidence never repeats a secret, even a short or punctuated one. */
function maskedLine(text: string, line: number, value: string): string {
  const raw = rawLine(text, line).trim();
  const hidden = value.length === 0 ? raw : raw.split(value).join(`${value.slice(0, Math.min(4, Math.floor(value.length / 4)))}…`);
  return lineText(hidden, 1);
}

const SECRET_001: Rule = {
  id: 'SMCP-SECRET-001',
  title: 'No secret literals in the repository',
  severity: 'critical',
  checklist: 'No hard-coded secrets: keys, tokens, passwords and private keys live outside the code and the repository.',
  owasp: 'MCP01: Token Mismanagement & Secret Exposure',
  hint: 'Remove the secret from the file (and from git history), rotate it, and read it from the environment or a secret store at start-up.',
  run(project) {
    const evidence: Evidence[] = [];
    let count = 0;
    for (const [path, text] of project.files) {
      const base = path.split('/').pop() ?? path;
      if (LOCKFILES.has(base)) continue;
      const seen = new Set<number>();
      let hits = 0;
      const add = (index: number, what: string, value: string): void => {
        if (++hits > 100) return; // a file full of matches is reported by its first ones
        const line = lineAt(text, index);
        if (seen.has(line)) return;
        seen.add(line);
        count++;
        if (evidence.length < 5) evidence.push({ file: path, line, snippet: `${what}: ${maskedLine(text, line, value)}` });
      };
      for (const p of PATTERNS) {
        const re = new RegExp(p.re.source, p.re.flags);
        let guard = 0;
        for (let m = re.exec(text); m !== null && guard < 1000; m = re.exec(text), guard++) {
          const value = m[0];
          if (PLACEHOLDER.test(value)) continue;
          if (p.random === true && entropy(value) < 3.5) continue;
          add(m.index, p.name, value);
        }
      }
      const envLike = ENV_LIKE_FILE.test(path);
      const re = new RegExp(ASSIGN.source, ASSIGN.flags);
      let guard = 0;
      for (let m = re.exec(text); m !== null && guard < 5000; m = re.exec(text), guard++) {
        const name = m[1] as string;
        const value = m[3] ?? (envLike ? m[4] : undefined);
        if (value === undefined || !isSecretName(name) || !looksRandom(value)) continue;
        add(m.index, `high-entropy value for ${name}`, value);
      }
    }
    if (count > 0) return { status: 'fail', message: `${count} secret-looking literal(s) in the project's files.`, evidence: firstEvidence(evidence) };
    return { status: 'pass', message: `No secret literal found in ${project.files.size} file(s) (lockfiles skipped).`, evidence: [] };
  },
};

const SECRET_ENV = /(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|CREDENTIAL|PRIVATE|AUTH|SALT|SIGNING|HMAC|CERT_KEY)/i;
const NOT_SECRET_ENV = /(?:_ID|_FILE|_PATH|_DIR|_NAME|_HEADER|_LENGTH|_TTL|_SECONDS|_MS|_URL|_URI|_ENDPOINT|_ISSUER|_AUDIENCE|_ALGORITHM|_ALG|_SCOPES?|_MODE|_TYPE|_PREFIX)$/i;
const URL_ENV = /(?:DATABASE|DB|REDIS|MONGO\w*|POSTGRES\w*|PG|MYSQL|AMQP|RABBIT\w*|BROKER|CACHE|CONNECTION)_?(?:URL|URI|DSN|STRING)$|_DSN$/i;
const URL_WITH_PASSWORD = /:\/\/[^\s:@/'"`]*:[^\s@/'"`]+@/;

function secretEnvDefault(name: string, literal: string): boolean {
  if (literal.length === 0) return false;
  if (URL_ENV.test(name) || /_URL$/i.test(name)) return URL_WITH_PASSWORD.test(literal);
  return SECRET_ENV.test(name) && !NOT_SECRET_ENV.test(name);
}

const SECRET_002: Rule = {
  id: 'SMCP-SECRET-002',
  title: 'No fallback default for a secret environment variable',
  severity: 'high',
  checklist: 'Secrets have no default value in code: a missing secret stops the server instead of falling back to a known value.',
  owasp: 'MCP01: Token Mismanagement & Secret Exposure',
  hint: 'Drop the fallback (`|| \'…\'`, `?? \'…\'`, destructuring default) and refuse to start when the variable is missing.',
  run(project) {
    const sources = project.sources();
    const evidence: Evidence[] = [];
    let count = 0;
    for (const file of sources) {
      const text = withoutComments(file);
      if (!/\benv\b/.test(text)) continue;
      const found = (index: number, literal: string): void => {
        count++;
        if (evidence.length < 5) {
          const line = lineAt(text, index);
          evidence.push({ file: file.path, line, snippet: maskedLine(file.text, line, literal) });
        }
      };
      const member = /(?<![\w$])(?:process\s*\.\s*)?env\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"\n]{1,100})\2\s*\])\s*!?\s*(?:\|\||\?\?)\s*(['"`])([^'"`\n]*)\4/g;
      for (let m = member.exec(text); m !== null; m = member.exec(text)) {
        const name = m[1] ?? m[3] ?? '';
        if (secretEnvDefault(name, m[5] ?? '')) found(m.index, m[5] ?? '');
      }
      const destructure = /\{([^{}]{1,4000})\}\s*=\s*(?:process\s*\.\s*)?env\b/g;
      for (let m = destructure.exec(text); m !== null; m = destructure.exec(text)) {
        const body = m[1] ?? '';
        const start = m.index + 1;
        const def = /([A-Za-z_$][\w$]*)\s*(?::\s*[A-Za-z_$][\w$]*\s*)?=\s*(['"`])([^'"`\n]*)\2/g;
        for (let d = def.exec(body); d !== null; d = def.exec(body)) {
          if (secretEnvDefault(d[1] ?? '', d[3] ?? '')) found(start + d.index, d[3] ?? '');
        }
      }
    }
    if (count > 0) return { status: 'fail', message: `${count} secret environment variable(s) fall back to a literal default.`, evidence: firstEvidence(evidence) };
    return { status: 'pass', message: 'No secret environment variable has a literal fallback.', evidence: [] };
  },
};

const READS_ENV = /(?<![\w$])process\s*(?:\.\s*env\b|\[\s*['"]env['"]\s*\])|(?<![\w$])import\.meta\.env\b/;

const CONFIG_001: Rule = {
  id: 'SMCP-CONFIG-001',
  title: 'Configuration is read in one place',
  severity: 'medium',
  checklist: 'Configuration is read and validated in one module; the rest of the code receives typed settings.',
  owasp: 'MCP01: Token Mismanagement & Secret Exposure',
  hint: 'Move every process.env read into one config module that validates it at start-up and pass the result to the code that needs it.',
  run(project) {
    const readers: { file: ProjectFile; index: number }[] = [];
    for (const file of project.sources()) {
      // Strings masked too, except the env key in process['env'] (read in the comment-only text).
      const code = masked(file);
      const m = /(?<![\w$])process\s*(?:\.\s*env\b|\[\s*['"]\s*['"]\s*\])|(?<![\w$])import\.meta\.env\b/.exec(code);
      if (m !== null && READS_ENV.test(withoutComments(file).slice(m.index, m.index + 30))) readers.push({ file, index: m.index });
    }
    if (readers.length === 0) return { status: 'not-applicable', message: 'No source file reads process.env.', evidence: [] };
    const names = readers.map((r) => r.file.path);
    const evidence = readers.map((r) => evidenceAt(r.file, r.index));
    if (readers.length <= 2) return { status: 'pass', message: `process.env is read only in ${names.join(' and ')}.`, evidence: firstEvidence(evidence) };
    return { status: 'warn', message: `process.env is read in ${readers.length} files: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}.`, evidence: firstEvidence(evidence) };
  },
};

const LOG_CALL = /(?<![\w$])((?:[\w$]+\s*\.\s*)*(?:console|[\w$]*[lL]og(?:ger)?))\s*\.\s*(log|info|warn|error|debug|trace|fatal|dir)\s*\(/g;
const SECRET_IDENT = /^(?:[\w$]*(?:secret|token|passw(?:or)?d|passwd|pwd|apikey|api_key|privatekey|private_key|clientsecret|client_secret|credential|authorization|cookie|hmackey|hmac_key|accesskey|signingkey|sessionkey|bearer)[\w$]*)$/i;
const REDACTED_IDENT = /(?:id|ids|hash|hashed|digest|fingerprint|redact\w*|masked|mask|count|used|usage|limit|budget|remaining|total|length|len|size|type|name|names|prefix|suffix|scopes?|expir\w*|ttl|url|uri|endpoint|header|path|file|error|err|valid|invalid|missing|required|kind|source|format|present|set|age|at|version)$|^(?:is|has|no|redact|mask|hash|max|min|num|count)/i;
const AUTH_HEADER = /headers\s*(?:\.\s*authorization|\[\s*['"]authorization['"]\s*\])|\.\s*(?:get|header|getHeader)\s*\(\s*['"](?:authorization|cookie|x-api-key)['"]\s*\)/i;

const LOG_001: Rule = {
  id: 'SMCP-LOG-001',
  title: 'No secret written to logs',
  severity: 'high',
  checklist: 'Logs never contain secrets: tokens, keys, passwords and authorization headers are redacted or left out.',
  owasp: 'MCP01: Token Mismanagement & Secret Exposure',
  hint: 'Log an id, a hash or a fingerprint instead of the secret; configure the logger to redact authorization, token and key fields.',
  run(project) {
    const evidence: Evidence[] = [];
    let count = 0;
    let calls = 0;
    for (const m of findInCode(project.sources(), LOG_CALL)) {
      calls++;
      const code = masked(m.file);
      const open = m.index + m.match[0].length - 1;
      const call = callAt(code, m.index, open);
      const stop = Math.min(call.close, open + 4_000); // a logging call's arguments, not a whole bundle
      const args = code.slice(open + 1, stop);
      const plainArgs = withoutComments(m.file).slice(open + 1, stop);
      const idents = args.match(/[A-Za-z_$][\w$]*/g) ?? [];
      const bad = idents.find((id) => SECRET_IDENT.test(id) && !REDACTED_IDENT.test(id)) ?? (AUTH_HEADER.test(plainArgs) ? 'authorization header' : undefined);
      if (bad === undefined) continue;
      count++;
      const ev = evidenceAt(m.file, m.index);
      if (evidence.length < 5) evidence.push({ ...ev, snippet: maskSecrets(`${bad}: ${ev.snippet ?? ''}`) });
    }
    if (calls === 0) return { status: 'not-applicable', message: 'No logging call found in the sources.', evidence: [] };
    if (count > 0) return { status: 'fail', message: `${count} logging call(s) pass a secret-named value or an authorization header.`, evidence: firstEvidence(evidence) };
    return { status: 'pass', message: `${calls} logging call(s), none passing a secret-named value.`, evidence: [] };
  },
};

export const RULES: readonly Rule[] = [SECRET_001, SECRET_002, CONFIG_001, LOG_001];
