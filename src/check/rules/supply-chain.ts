/**
 * Dependencies: a committed lockfile for the package manager the project declares, and no known high or
 * critical advisory in what it locks. Guards against installs that resolve to whatever the registry
 * serves that day (a hijacked or typo-squatted release slips in without a lockfile) and against shipping
 * dependencies with published vulnerabilities. The audit runs only through the runner's exec (never in
 * memory, never --offline) and anything short of a parsed audit result is `could-not-run`, never a pass.
 */
import { parseIgnore } from '../ignore-file.js';
import type { CheckContext, Evidence, ExecResult, Outcome, ProjectView, Rule } from '../types.js';

const MCP04 = 'MCP04: Software Supply Chain Attacks & Dependency Tampering';

type Pm = 'npm' | 'pnpm' | 'yarn' | 'bun';

export const LOCKFILES: Readonly<Record<Pm, readonly string[]>> = {
  npm: ['package-lock.json', 'npm-shrinkwrap.json'],
  pnpm: ['pnpm-lock.yaml'],
  yarn: ['yarn.lock'],
  bun: ['bun.lock', 'bun.lockb'],
};

const PMS: readonly Pm[] = ['npm', 'pnpm', 'yarn', 'bun'];

function isPm(value: unknown): value is Pm {
  return typeof value === 'string' && (PMS as readonly string[]).includes(value);
}

/** The package manager the project declares: package.json `packageManager`, else secure-mcp.json's spec. */
export function declaredPm(project: ProjectView): { pm: Pm; version: string | undefined; from: string } | undefined {
  const field = project.packageJson?.packageManager;
  if (typeof field === 'string') {
    const m = /^(npm|pnpm|yarn|bun)@([^+\s]+)/.exec(field.trim());
    if (m && isPm(m[1])) return { pm: m[1], version: m[2], from: `package.json "packageManager": "${field}"` };
  }
  const spec = project.manifest?.spec;
  const fromSpec = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).packageManager : undefined;
  if (isPm(fromSpec)) return { pm: fromSpec, version: undefined, from: `secure-mcp.json (package manager ${fromSpec})` };
  return undefined;
}

function hasDependencies(project: ProjectView): boolean {
  const pkg = project.packageJson;
  return ['dependencies', 'devDependencies', 'optionalDependencies'].some((field) => {
    const deps = pkg?.[field];
    return typeof deps === 'object' && deps !== null && Object.keys(deps).length > 0;
  });
}

function presentLockfiles(project: ProjectView): { pm: Pm; file: string }[] {
  return PMS.flatMap((pm) => LOCKFILES[pm].filter((file) => project.exists(file)).map((file) => ({ pm, file })));
}

/** Whether the lockfile would be committed (tracked, or not ignored by .gitignore). */
function committed(project: ProjectView, file: string): boolean {
  if (project.files.has(file)) return true;
  if (!project.skipped.has(file)) return false;
  return project.fromGit || !parseIgnore(project.read('.gitignore')).ignores(file);
}

// ---------------------------------------------------------------------------------------------------
// SMCP-DEPS-001

export const lockfilePresent: Rule = {
  id: 'SMCP-DEPS-001',
  title: 'A lockfile pins every dependency',
  severity: 'high',
  checklist: "The project commits the lockfile of the package manager it declares (package-lock.json, pnpm-lock.yaml, yarn.lock or bun.lock), so installs get exactly the reviewed versions.",
  owasp: MCP04,
  hint: 'Run the install with the declared package manager and commit the lockfile it writes; install in CI and images with the frozen form (npm ci, pnpm install --frozen-lockfile, …).',
  run(project) {
    if (project.packageJson === undefined) return { status: 'not-applicable', message: 'No package.json.', evidence: [] };
    if (!hasDependencies(project)) return { status: 'not-applicable', message: 'package.json declares no dependencies.', evidence: [] };
    const declared = declaredPm(project);
    const present = presentLockfiles(project);
    const expected = declared === undefined ? present : present.filter((l) => l.pm === declared.pm);
    const others = declared === undefined ? [] : present.filter((l) => l.pm !== declared.pm);
    if (expected.length === 0 && others.length > 0 && declared !== undefined) {
      return {
        status: 'fail',
        message: `${declared.from} declares ${declared.pm}, but the lockfile is ${others.map((o) => o.file).join(', ')}: installs with ${declared.pm} resolve afresh.`,
        evidence: [{ file: 'package.json' }, ...others.map((o) => ({ file: o.file }))].slice(0, 5),
      };
    }
    if (expected.length === 0) {
      const pm = declared?.pm ?? 'npm';
      const lock = LOCKFILES[pm][0] ?? 'the lockfile';
      if (project.manifest !== undefined && !project.exists('node_modules')) {
        return { status: 'warn', message: `No lockfile yet (not installed yet): run \`${pm} install\` and commit ${lock}.`, evidence: [{ file: 'package.json' }] };
      }
      return { status: 'fail', message: `No lockfile: installs resolve dependency ranges afresh each time. Run \`${pm} install\` and commit ${lock}.`, evidence: [{ file: 'package.json' }] };
    }
    const uncommitted = expected.filter((l) => !committed(project, l.file));
    if (uncommitted.length === expected.length) {
      return { status: 'fail', message: `${uncommitted.map((l) => l.file).join(', ')} exists but is ${project.fromGit ? 'not committed' : 'ignored by .gitignore'}: others install without it.`, evidence: uncommitted.map((l) => ({ file: l.file })).slice(0, 5) };
    }
    const pms = new Set(present.map((l) => l.pm));
    if (pms.size > 1) {
      return { status: 'warn', message: `Lockfiles of several package managers (${present.map((l) => l.file).join(', ')}): they can lock different versions; keep only ${declared ? `the ${declared.pm} one` : 'one'}.`, evidence: present.map((l) => ({ file: l.file })).slice(0, 5) };
    }
    return { status: 'pass', message: `${expected.map((l) => l.file).join(', ')} is committed${declared ? ` (matches ${declared.pm})` : ''}.`, evidence: expected.map((l) => ({ file: l.file })).slice(0, 5) };
  },
};

// ---------------------------------------------------------------------------------------------------
// SMCP-DEPS-002

interface Advisory {
  readonly severity: string;
  readonly name: string;
  readonly title: string;
  readonly url: string | undefined;
}

export interface AuditResult {
  /** High + critical, from the tool's own summary when it gives one. */
  readonly serious: number;
  readonly advisories: readonly Advisory[];
  /** The output carried the tool's summary counts (proof the audit completed). */
  readonly summary: boolean;
}

const SERIOUS = new Set(['high', 'critical']);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function countsOf(metadata: unknown): number | undefined {
  const vulns = record(record(metadata)?.vulnerabilities);
  if (vulns === undefined) return undefined;
  const high = typeof vulns.high === 'number' ? vulns.high : 0;
  const critical = typeof vulns.critical === 'number' ? vulns.critical : 0;
  return high + critical;
}

/**
 * Reads the JSON of npm audit (v7+ and v6), pnpm audit, yarn 1 and yarn 4 (NDJSON) and bun audit (the
 * bulk advisory shape). An `{ error }` object is an error; anything unrecognised is undefined.
 */
export function parseAuditOutput(stdout: string): AuditResult | { error: string } | undefined {
  const text = stdout.trim();
  if (text === '') return undefined;
  let whole: unknown;
  try {
    whole = JSON.parse(text) as unknown;
  } catch {
    whole = undefined;
  }
  const obj = record(whole);
  if (obj !== undefined) {
    const error = record(obj.error);
    if (error !== undefined || typeof obj.error === 'string') return { error: str(error?.summary) ?? str(error?.message) ?? str(error?.code) ?? str(obj.error) ?? 'the audit failed' };
    const vulnerabilities = record(obj.vulnerabilities);
    if (vulnerabilities !== undefined && (obj.auditReportVersion !== undefined || obj.metadata !== undefined)) {
      const advisories: Advisory[] = [];
      for (const [name, raw] of Object.entries(vulnerabilities)) {
        const v = record(raw);
        const severity = str(v?.severity) ?? 'unknown';
        const via = Array.isArray(v?.via) ? v.via : [];
        const first = via.map(record).find((x) => x !== undefined);
        advisories.push({ severity, name, title: str(first?.title) ?? `via ${via.filter((x): x is string => typeof x === 'string').join(', ') || 'a dependency'}`, url: str(first?.url) });
      }
      const counted = countsOf(obj.metadata);
      return { serious: counted ?? advisories.filter((a) => SERIOUS.has(a.severity)).length, advisories, summary: counted !== undefined };
    }
    const adv = record(obj.advisories);
    if (adv !== undefined) {
      const advisories = Object.values(adv)
        .map(record)
        .filter((a): a is Record<string, unknown> => a !== undefined)
        .map((a) => ({ severity: str(a.severity) ?? 'unknown', name: str(a.module_name) ?? '?', title: str(a.title) ?? '', url: str(a.url) }));
      const counted = countsOf(obj.metadata);
      return { serious: counted ?? advisories.filter((a) => SERIOUS.has(a.severity)).length, advisories, summary: counted !== undefined };
    }
    // The registry's bulk advisory shape (bun audit --json): { package: [ { severity, title, url } ] }.
    if (Object.values(obj).every((v) => Array.isArray(v))) {
      const advisories: Advisory[] = [];
      for (const [name, list] of Object.entries(obj)) {
        for (const raw of list as unknown[]) {
          const a = record(raw);
          if (a !== undefined) advisories.push({ severity: str(a.severity) ?? 'unknown', name, title: str(a.title) ?? '', url: str(a.url) });
        }
      }
      return { serious: advisories.filter((a) => SERIOUS.has(a.severity)).length, advisories, summary: false };
    }
    // Otherwise maybe a one-line NDJSON stream (yarn): read below.
  }
  // NDJSON: yarn 1 (auditAdvisory / auditSummary) and yarn 4 (one object per advisory).
  const advisories: Advisory[] = [];
  let summaryCount: number | undefined;
  let parsed = 0;
  for (const line of text.split(/\r?\n/)) {
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch {
      continue;
    }
    const o = record(value);
    if (o === undefined) continue;
    parsed++;
    const data = record(o.data);
    if (o.type === 'auditAdvisory') {
      const a = record(data?.advisory);
      advisories.push({ severity: str(a?.severity) ?? 'unknown', name: str(a?.module_name) ?? '?', title: str(a?.title) ?? '', url: str(a?.url) });
    } else if (o.type === 'auditSummary') {
      summaryCount = countsOf(data);
    } else if (o.type === 'error') {
      return { error: str(o.data) ?? 'the audit failed' };
    } else if (record(o.children) !== undefined) {
      const c = record(o.children) ?? {};
      advisories.push({ severity: (str(c.Severity) ?? 'unknown').toLowerCase(), name: str(o.value) ?? '?', title: str(c.Issue) ?? '', url: str(c.URL) });
    }
  }
  if (parsed === 0 || (advisories.length === 0 && summaryCount === undefined)) return undefined;
  return { serious: summaryCount ?? advisories.filter((a) => SERIOUS.has(a.severity)).length, advisories, summary: summaryCount !== undefined };
}

function auditCommand(pm: Pm, yarnVersion: string | undefined): { command: string; args: string[] } {
  switch (pm) {
    case 'npm':
      return { command: 'npm', args: ['audit', '--json', '--audit-level=high'] };
    case 'pnpm':
      return { command: 'pnpm', args: ['audit', '--json', '--audit-level', 'high'] };
    case 'yarn':
      return yarnVersion?.startsWith('1.') ? { command: 'yarn', args: ['audit', '--json', '--level', 'high'] } : { command: 'yarn', args: ['npm', 'audit', '--json', '--recursive', '--severity', 'high'] };
    case 'bun':
      return { command: 'bun', args: ['audit', '--json', '--audit-level=high'] };
  }
}

const AUDIT_TIMEOUT_MS = 60_000;

export const noKnownVulnerabilities: Rule = {
  id: 'SMCP-DEPS-002',
  title: 'No known high or critical vulnerabilities in dependencies',
  severity: 'high',
  checklist: "The package manager's audit of the lockfile reports no high or critical advisory.",
  owasp: MCP04,
  hint: 'Update the affected packages (`npm audit fix`, `pnpm update`, `yarn up`, `bun update`) or replace them; re-run the audit until no high or critical advisory remains.',
  async run(project, context: CheckContext): Promise<Outcome> {
    if (project.packageJson === undefined) return { status: 'not-applicable', message: 'No package.json.', evidence: [] };
    if (!hasDependencies(project)) return { status: 'not-applicable', message: 'package.json declares no dependencies.', evidence: [] };
    const declared = declaredPm(project);
    const present = presentLockfiles(project);
    const lock = present.find((l) => l.pm === declared?.pm) ?? present[0];
    if (lock === undefined) return { status: 'could-not-run', message: 'No lockfile to audit (see SMCP-DEPS-001).', evidence: [] };
    const { command, args } = auditCommand(lock.pm, declared?.pm === 'yarn' ? declared.version : undefined);
    const shown = [command, ...args].join(' ');
    if (context.offline) return { status: 'could-not-run', message: `--offline: the dependency audit needs the registry (run \`${shown}\`).`, evidence: [{ command: shown }] };
    if (context.exec === undefined) return { status: 'could-not-run', message: `No command can run for this project (in memory): run \`${shown}\`.`, evidence: [{ command: shown }] };
    let result: ExecResult;
    try {
      result = await context.exec(command, args, { timeoutMs: AUDIT_TIMEOUT_MS });
    } catch (error) {
      return { status: 'could-not-run', message: `\`${shown}\` could not run: ${error instanceof Error ? error.message : String(error)}.`, evidence: [{ command: shown }] };
    }
    if (result.error !== undefined) return { status: 'could-not-run', message: `\`${shown}\` could not run: ${result.error}.`, evidence: [{ command: shown }] };
    const parsed = parseAuditOutput(result.stdout);
    const firstErr = result.stderr.split(/\r?\n/).find((l) => l.trim() !== '')?.trim().slice(0, 160);
    if (parsed === undefined) {
      return { status: 'could-not-run', message: `\`${shown}\` gave no audit result (exit ${result.code ?? 'none'})${firstErr ? `: ${firstErr}` : ''}; the registry may be unreachable.`, evidence: [{ command: shown, ...(firstErr ? { snippet: firstErr } : {}) }] };
    }
    if ('error' in parsed) return { status: 'could-not-run', message: `\`${shown}\` failed: ${parsed.error.slice(0, 160)}.`, evidence: [{ command: shown }] };
    if (parsed.serious > 0) {
      const top = parsed.advisories
        .filter((a) => SERIOUS.has(a.severity))
        .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1))
        .slice(0, 4)
        .map((a): Evidence => ({ command: shown, snippet: `${a.severity}: ${a.name} — ${a.title}${a.url ? ` (${a.url})` : ''}`.slice(0, 200) }));
      return { status: 'fail', message: `${parsed.serious} high or critical advisor${parsed.serious === 1 ? 'y' : 'ies'} in the locked dependencies (${lock.file}).`, evidence: [{ command: shown }, ...top].slice(0, 5) };
    }
    if (result.code === 0 || parsed.summary) return { status: 'pass', message: `\`${shown}\` reports no high or critical advisory${parsed.advisories.length > 0 ? ` (${parsed.advisories.length} lower)` : ''}.`, evidence: [{ command: shown }] };
    return { status: 'could-not-run', message: `\`${shown}\` exited ${result.code ?? 'without a code'} without an audit summary${firstErr ? `: ${firstErr}` : ''}.`, evidence: [{ command: shown }] };
  },
};

export const RULES: readonly Rule[] = [lockfilePresent, noKnownVulnerabilities];
