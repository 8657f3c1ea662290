/**
 * Code rules. Guards against code execution from data (eval, new Function, vm), shell command
 * injection (exec with built strings, shell: true), string-built SQL, tools that reach the file system
 * or the network without the project's sandbox / SSRF guard, and anything but protocol on stdout in a
 * stdio server (a stray console.log corrupts the JSON-RPC stream). Strings, comments and regex literals
 * are masked before matching, so text that merely mentions a call is never reported.
 */
import type { Evidence, Outcome, ProjectFile, ProjectView, Rule } from '../types.js';
import { firstEvidence } from '../source-scan.js';
import { callAt, declaration, evidenceAt, findInCode, importedSpecifiers, isPlainLiteral, masked, relativeImports, withoutComments, type Span } from './code-lexer.js';
import { findTools } from './tools-find.js';

function result(count: number, evidence: Evidence[], fail: string, pass: string): Outcome {
  return count > 0 ? { status: 'fail', message: fail, evidence: firstEvidence(evidence) } : { status: 'pass', message: pass, evidence: [] };
}

const INJ_001: Rule = {
  id: 'SMCP-INJ-001',
  title: 'No dynamic code evaluation',
  severity: 'critical',
  checklist: 'No eval, new Function or vm.runIn… : data never becomes code.',
  owasp: 'MCP05: Command Injection & Execution',
  hint: 'Replace eval/new Function/vm with explicit parsing (JSON.parse, a lookup table, a real parser).',
  run(project) {
    const hits = findInCode(project.sources(), /(?<![\w$.])eval\s*\(|(?<![\w$.])new\s+Function\s*\(|(?<![\w$.])Function\s*\(|(?<![\w$])vm\s*\.\s*(?:runIn\w+|compileFunction|Script)\s*\(|(?<![\w$.])(?:runInNewContext|runInThisContext|runInContext|compileFunction)\s*\(/);
    const evidence = hits.map((h) => evidenceAt(h.file, h.index));
    return result(hits.length, evidence, `${hits.length} dynamic code evaluation(s) (eval / Function / vm).`, 'No eval, new Function or vm code execution in the sources.');
  },
};

interface ProcessNames {
  shellExec: Set<string>;
  spawnLike: Set<string>;
  namespaces: Set<string>;
  execa: Set<string>;
  execaCommand: Set<string>;
}

/** Names a file binds to child_process / execa functions. */
function processNames(file: ProjectFile): ProcessNames | undefined {
  const text = withoutComments(file);
  const cp = /['"](?:node:)?child_process['"]/.test(text);
  const ex = /['"](?:execa|zx)['"]/.test(text);
  if (!cp && !ex) return undefined;
  const names: ProcessNames = { shellExec: new Set(), spawnLike: new Set(), namespaces: new Set(), execa: new Set(), execaCommand: new Set() };
  const bind = (imported: string, local: string, fromExeca: boolean): void => {
    if (fromExeca) {
      if (/^execaCommand(?:Sync)?$/.test(imported)) names.execaCommand.add(local);
      else if (/^(?:execa|execaSync|execaNode|\$)$/.test(imported)) names.execa.add(local);
    } else if (/^exec(?:Sync)?$/.test(imported)) names.shellExec.add(local);
    else if (/^(?:spawn|spawnSync|execFile|execFileSync|fork)$/.test(imported)) names.spawnLike.add(local);
  };
  const named = /(?:import\s*(?:type\s+)?(?:[\w$]+\s*,\s*)?\{([^}]{0,2000})\}\s*from|(?:const|let|var)\s*\{([^}]{0,2000})\}\s*=\s*(?:await\s+import|require)\s*\(?)\s*(['"])((?:node:)?child_process|execa|zx)\3/g;
  for (let m = named.exec(text); m !== null; m = named.exec(text)) {
    const list = m[1] ?? m[2] ?? '';
    for (const part of list.split(',')) {
      const pm = /^\s*(?:type\s+)?([\w$]+)\s*(?:(?:as|:)\s*([\w$]+))?\s*$/.exec(part);
      if (pm !== null) bind(pm[1] as string, pm[2] ?? (pm[1] as string), m[4] !== 'child_process' && m[4] !== 'node:child_process');
    }
  }
  const ns = /(?:import\s*\*\s*as\s*([\w$]+)\s*from|import\s+([\w$]+)\s*from|(?:const|let|var)\s+([\w$]+)\s*=\s*require\s*\()\s*(['"])(?:node:)?child_process\4/g;
  for (let m = ns.exec(text); m !== null; m = ns.exec(text)) names.namespaces.add((m[1] ?? m[2] ?? m[3]) as string);
  const def = /import\s+([\w$]+)\s*from\s*(['"])execa\2/g;
  for (let m = def.exec(text); m !== null; m = def.exec(text)) names.execa.add(m[1] as string);
  // const run = promisify(exec)
  const promisified = /(?:const|let|var)\s+([\w$]+)\s*=\s*(?:[\w$]+\s*\.\s*)?promisify\s*\(\s*(?:([\w$]+)\s*\.\s*)?([\w$]+)\s*\)/g;
  for (let m = promisified.exec(text); m !== null; m = promisified.exec(text)) {
    const fn = m[3] as string;
    if (m[2] !== undefined ? names.namespaces.has(m[2]) && /^exec$/.test(fn) : names.shellExec.has(fn)) names.shellExec.add(m[1] as string);
    else if (m[2] !== undefined ? names.namespaces.has(m[2]) && /^execFile$/.test(fn) : names.spawnLike.has(fn)) names.spawnLike.add(m[1] as string);
  }
  return names;
}

const SHELL_TRUE = /(?<![\w$])shell\s*:\s*(?!false\b|undefined\b|null\b|0\b)[^,}\s]/;
const SHELL_BINARY = /^(['"`])(?:\/(?:usr\/)?bin\/)?(?:sh|bash|zsh|dash|ksh|cmd(?:\.exe)?|powershell(?:\.exe)?|pwsh)\1$/;

const INJ_002: Rule = {
  id: 'SMCP-INJ-002',
  title: 'No shell command execution',
  severity: 'critical',
  checklist: 'Commands run without a shell: execFile/spawn with an argument array, never exec with a built string or shell: true.',
  owasp: 'MCP05: Command Injection & Execution',
  hint: "Use execFile/spawn (or execa) with a fixed program and an argument array, without shell: true; never build a command line from input.",
  run(project) {
    const evidence: Evidence[] = [];
    let count = 0;
    let calls = 0;
    let files = 0;
    for (const file of project.sources()) {
      const names = processNames(file);
      if (names === undefined) continue;
      files++;
      const code = masked(file);
      const all = [...names.shellExec, ...names.spawnLike, ...names.execa, ...names.execaCommand].map((n) => n.replace(/\$/g, '\\$'));
      const nsAlt = [...names.namespaces].map((n) => n.replace(/\$/g, '\\$'));
      const parts: string[] = [];
      if (all.length > 0) parts.push(`(?<![\\w$.])(${all.join('|')})`);
      if (nsAlt.length > 0) parts.push(`(?<![\\w$.])(?:${nsAlt.join('|')})\\s*\\.\\s*(exec|execSync|spawn|spawnSync|execFile|execFileSync|fork)`);
      if (parts.length === 0) continue;
      const re = new RegExp(`(?:${parts.join('|')})\\s*(?:\`|\\()`, 'g');
      for (let m = re.exec(code); m !== null; m = re.exec(code)) {
        const fn = (m[1] ?? m[2]) as string;
        calls++;
        const last = m[0][m[0].length - 1];
        let bad = false;
        if (last !== '`') {
          // execa's tagged template ($`cmd ${x}`) passes each value as one argument: not a shell.
          const call = callAt(code, m.index, m.index + m[0].length - 1);
          const argsText = code.slice(call.open + 1, call.close);
          const first = call.args[0];
          const isShellExec = names.shellExec.has(fn) || /^exec(?:Sync)?$/.test(fn);
          if (names.execaCommand.has(fn)) bad = true;
          else if (isShellExec && !names.spawnLike.has(fn)) bad = first === undefined || !isPlainLiteral(code, resolveSpan(code, first));
          else bad = SHELL_TRUE.test(argsText) || (first !== undefined && SHELL_BINARY.test(file.text.slice(first.start, first.end).trim()) && /['"`]-c['"`]/.test(file.text.slice(call.open, call.close)));
        }
        if (bad) {
          count++;
          evidence.push(evidenceAt(file, m.index));
        }
      }
    }
    if (files === 0) return { status: 'not-applicable', message: 'No source imports child_process or execa.', evidence: [] };
    return result(count, evidence, `${count} command(s) run through a shell or built from a string.`, `${calls} process call(s) in ${files} file(s), none through a shell.`);
  },
};

function resolveSpan(code: string, span: Span): Span {
  const text = code.slice(span.start, span.end).trim();
  if (/^[A-Za-z_$][\w$]*$/.test(text)) return declaration(code, text) ?? span;
  return span;
}

const SQL_WORD = /\b(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH|PRAGMA|FROM|WHERE|VALUES|SET|TRUNCATE|GRANT|REPLACE)\b/i;

/** Whether an argument (masked code) is a string built from values: template with ${} or a + concatenation. */
function builtString(code: string, text: string, span: Span): boolean {
  const resolved = resolveSpan(code, span);
  const arg = code.slice(resolved.start, resolved.end).trim();
  const original = text.slice(resolved.start, resolved.end);
  if (arg.startsWith('`') && arg.includes('${')) return SQL_WORD.test(original);
  if (/^(['"`])/.test(arg) && /\+/.test(arg.replace(/`[^`]*`|'[^']*'|"[^"]*"/g, ''))) return SQL_WORD.test(original);
  if (/^[\w$.]+\s*\+/.test(arg) && /['"`]/.test(arg)) return SQL_WORD.test(original);
  return false;
}

const INJ_003: Rule = {
  id: 'SMCP-INJ-003',
  title: 'No string-built SQL',
  severity: 'critical',
  checklist: 'SQL is parameterised: values are bound, never concatenated or interpolated into the query text.',
  owasp: 'MCP05: Command Injection & Execution',
  hint: 'Use bound parameters (query(text, [values]), a query builder, or a tagged sql`…${value}` template) instead of building SQL text.',
  run(project) {
    const evidence: Evidence[] = [];
    let count = 0;
    for (const m of findInCode(project.sources(), /(?<![\w$])sql\s*\.\s*(?:raw|lit|unsafe|identifier\.unsafe)\s*\(|\.\s*(unsafe|query|execute|prepare|exec|run|raw|queryRaw|executeRaw|\$queryRawUnsafe|\$executeRawUnsafe)\s*\(/)) {
      const code = masked(m.file);
      const call = callAt(code, m.index, m.index + m.match[0].length - 1);
      const first = call.args[0];
      if (first === undefined) continue;
      const method = m.match[1];
      const alwaysRaw = method === undefined || method === 'unsafe' || method === '$queryRawUnsafe' || method === '$executeRawUnsafe';
      const bad = alwaysRaw ? !isPlainLiteral(code, resolveSpan(code, first)) : builtString(code, m.file.text, first);
      if (bad) {
        count++;
        evidence.push(evidenceAt(m.file, m.index));
      }
    }
    return result(count, evidence, `${count} SQL statement(s) built from strings or passed raw.`, 'No string-built or raw SQL found (tagged sql`…` templates bind their values).');
  },
};

/** Files that define or register tools, plus everything under a tools/ folder. */
function toolFiles(project: ProjectView): ProjectFile[] {
  const { tools, generic } = findTools(project);
  const paths = new Set([...tools.map((t) => t.file.path), ...generic.map((g) => g.file.path)]);
  return project.sources().filter((f) => paths.has(f.path) || /(?:^|\/)tools\//.test(f.path));
}

interface GuardedAccess {
  readonly direct: RegExp;
  readonly guard: RegExp;
  readonly what: string;
}

function guardedRule(project: ProjectView, access: GuardedAccess): Outcome {
  const paths = new Set(project.files.keys());
  const guardFiles = new Set(project.sources().filter((f) => access.guard.test(f.path.split('/').pop() ?? '') && /\bexport\b/.test(f.text)).map((f) => f.path));
  const unguarded: Evidence[] = [];
  const guarded: string[] = [];
  for (const file of toolFiles(project)) {
    const imports = relativeImports(file, paths);
    const viaGuard = imports.some((p) => guardFiles.has(p)) || importedSpecifiers(file).some((s) => access.guard.test(s.split('/').pop() ?? ''));
    const direct = access.direct.exec(masked(file)) ?? access.direct.exec(withoutComments(file).replace(/^(?!.*\b(?:import|require)\b).*$/gm, (l) => ' '.repeat(l.length)));
    if (viaGuard) guarded.push(file.path);
    else if (direct !== null) unguarded.push(evidenceAt(file, direct.index));
  }
  if (unguarded.length > 0) return { status: 'warn', message: `${unguarded.length} tool file(s) reach the ${access.what} directly, not through a guard module.`, evidence: firstEvidence(unguarded) };
  if (guarded.length > 0) return { status: 'pass', message: `Tool ${access.what} access goes through the guard (${guarded.slice(0, 5).join(', ')}).`, evidence: [] };
  return { status: 'not-applicable', message: `No tool reaches the ${access.what}.`, evidence: [] };
}

const FILE_001: Rule = {
  id: 'SMCP-FILE-001',
  title: 'Tool file access goes through the sandbox',
  severity: 'high',
  checklist: 'Tools reach files only through a sandbox that keeps every path inside an allowed root (no .., no symlinks out).',
  owasp: 'MCP02: Privilege Escalation via Scope Creep',
  hint: 'Resolve every tool-supplied path through one sandbox module (realpath, inside-root check, no symlink escape) and import fs only there.',
  run(project) {
    return guardedRule(project, {
      direct: /(['"])(?:node:)?(?:fs|fs\/promises|fs-extra|graceful-fs)\1/,
      guard: /sandbox|safe[-_]?(?:path|fs)|path[-_]?guard|fs[-_]?guard|jail/i,
      what: 'file system',
    });
  },
};

const NET_001: Rule = {
  id: 'SMCP-NET-001',
  title: 'Tool HTTP requests go through the SSRF guard',
  severity: 'high',
  checklist: 'Outbound requests made for a tool pass an SSRF guard: allowlisted hosts, no private or link-local addresses, redirects re-checked.',
  owasp: 'MCP10: Context Injection & Over-Sharing',
  hint: 'Send tool requests through one guard module that checks the scheme, host allowlist and every resolved address (redirects included).',
  run(project) {
    return guardedRule(project, {
      direct: /(?<![\w$.])fetch\s*\(|(?<![\w$])https?\s*\.\s*(?:request|get)\s*\(|(['"])(?:axios|got|undici|node-fetch|ky|superagent|needle|cross-fetch)\1|(?<![\w$.])(?:axios|got)\s*(?:\.\s*\w+\s*)?\(|new\s+XMLHttpRequest\b/,
      guard: /ssrf|safe[-_]?fetch|egress|outbound|url[-_]?guard|net[-_]?guard|http[-_]?guard/i,
      what: 'network',
    });
  },
};

const STDIO_MARK = /\bStdioServerTransport\b|\bserveStdio\b/;
const STDOUT_WRITE = /(?<![\w$])console\s*\.\s*(?:log|info|debug|dir|table|dirxml|group|groupCollapsed)\s*\(|(?<![\w$])process\s*\.\s*stdout\s*\.\s*write\s*\(/;

const STDIO_001: Rule = {
  id: 'SMCP-STDIO-001',
  title: 'Nothing but protocol on stdout (stdio)',
  severity: 'high',
  checklist: 'A stdio server writes only JSON-RPC to stdout; logs go to stderr.',
  owasp: 'MCP08: Lack of Audit and Telemetry',
  hint: 'Log to stderr (console.error, pino.destination(2)); never console.log or process.stdout.write in code a stdio server runs.',
  run(project) {
    const sources = project.sources();
    const byPath = new Map(sources.map((f) => [f.path, f]));
    const paths = new Set(project.files.keys());
    const roots = sources.filter((f) => STDIO_MARK.test(masked(f)));
    if (roots.length === 0) return { status: 'not-applicable', message: 'No stdio transport found.', evidence: [] };
    const seen = new Set<string>();
    const queue = roots.map((r) => r.path);
    while (queue.length > 0 && seen.size < 5000) {
      const p = queue.shift() as string;
      if (seen.has(p)) continue;
      seen.add(p);
      const file = byPath.get(p);
      if (file === undefined) continue;
      for (const next of relativeImports(file, paths)) if (!seen.has(next) && byPath.has(next)) queue.push(next);
    }
    const reachable = [...seen].map((p) => byPath.get(p)).filter((f): f is ProjectFile => f !== undefined);
    const hits = findInCode(reachable, STDOUT_WRITE);
    const evidence = hits.map((h) => evidenceAt(h.file, h.index));
    return result(hits.length, evidence, `${hits.length} write(s) to stdout in code the stdio server runs.`, `No stdout write in the ${reachable.length} file(s) the stdio server runs (from ${roots.map((r) => r.path).join(', ')}).`);
  },
};

export const RULES: readonly Rule[] = [INJ_001, INJ_002, INJ_003, FILE_001, NET_001, STDIO_001];
