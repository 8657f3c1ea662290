/**
 * GitHub Actions workflows (.github/workflows/*.yml|yaml). Guards against a CI pipeline that hands the
 * repository to someone else: actions on movable tags or branches (a re-pointed tag runs new code with
 * the workflow's token), a token with write access to everything, and secrets printed into the log or
 * pasted into a script by `${{ }}` interpolation. Read with a small line-based YAML scanner (no YAML
 * dependency): keys, their nesting, sequence items and block scalars, which is what workflows use.
 */
import type { Evidence, Outcome, ProjectView, Rule } from '../types.js';

const MCP01 = 'MCP01: Token Mismanagement & Secret Exposure';
const MCP04 = 'MCP04: Software Supply Chain Attacks & Dependency Tampering';

// ---------------------------------------------------------------------------------------------------
// A line-based reading of workflow YAML.

/** One key, sequence item or block-scalar owner of a workflow, with where it sits. */
export interface YamlEntry {
  /** 1-based line. */
  readonly line: number;
  readonly indent: number;
  /** Keys from the root to this entry; each sequence item adds a unique `#<n>` segment. */
  readonly path: readonly string[];
  /** The key, or undefined for a scalar sequence item (`- 22`). */
  readonly key: string | undefined;
  /** The inline value with any trailing comment removed ('' for a block). */
  readonly value: string;
  /** Lines of a block scalar (`run: |`), with their 1-based line numbers. */
  readonly block: readonly { readonly line: number; readonly text: string }[] | undefined;
}

/** Removes a trailing ` # comment` that is not inside quotes. */
function stripComment(value: string): string {
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(value[i - 1] ?? ''))) return value.slice(0, i).trimEnd();
  }
  return value.trimEnd();
}

const KEY = /^("[^"]*"|'[^']*'|[^\s#'"-][^:]*?|-[^\s:][^:]*?)\s*:(?:\s+(.*))?$/;

export function parseYamlLines(text: string): YamlEntry[] {
  const entries: YamlEntry[] = [];
  const stack: { indent: number; key: string }[] = [];
  const lines = text.split(/\r?\n/);
  let items = 0;
  let block: { owner: number; lines: { line: number; text: string }[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\t/g, '  ');
    const lineNo = i + 1;
    const indentOf = raw.length - raw.trimStart().length;
    if (block !== undefined) {
      if (raw.trim() === '' || indentOf > block.owner) {
        block.lines.push({ line: lineNo, text: raw });
        continue;
      }
      block = undefined;
    }
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed === '---' || trimmed === '...') continue;
    let indent = indentOf;
    let rest = raw.slice(indent);
    while (rest === '-' || rest.startsWith('- ')) {
      while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? -1) >= indent) stack.pop();
      stack.push({ indent, key: `#${++items}` });
      const after = rest.slice(1);
      const spaces = after.length - after.trimStart().length;
      indent += 1 + spaces;
      rest = after.trimStart();
    }
    if (rest === '') continue;
    const m = KEY.exec(rest);
    if (m) {
      const key = (m[1] ?? '').replace(/^["']|["']$/g, '');
      while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? -1) >= indent) stack.pop();
      const path = [...stack.map((s) => s.key), key];
      stack.push({ indent, key });
      const value = stripComment(m[2] ?? '');
      if (/^[|>][-+0-9]*$/.test(value)) {
        const lines: { line: number; text: string }[] = [];
        block = { owner: indent, lines };
        entries.push({ line: lineNo, indent, path, key, value: '', block: lines });
      } else entries.push({ line: lineNo, indent, path, key, value, block: undefined });
    } else {
      while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? -1) >= indent) stack.pop();
      entries.push({ line: lineNo, indent, path: stack.map((s) => s.key), key: undefined, value: stripComment(rest), block: undefined });
    }
  }
  return entries;
}

/** `[a, "b", 'c']` → its items; anything else → the value alone. */
export function flowList(value: string): string[] {
  const v = value.trim();
  if (!v.startsWith('[') || !v.endsWith(']')) return [unquote(v)];
  return v
    .slice(1, -1)
    .split(',')
    .map((item) => unquote(item.trim()))
    .filter((item) => item !== '');
}

function unquote(value: string): string {
  return value.replace(/^(["'])(.*)\1$/, '$2');
}

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly entries: readonly YamlEntry[];
}

/** The project's workflows, parsed. */
export function workflows(project: ProjectView): Workflow[] {
  const found: Workflow[] = [];
  for (const [file, text] of project.files) {
    if (!/^\.github\/workflows\/[^/]+\.ya?ml$/.test(file)) continue;
    try {
      found.push({ file, text, entries: parseYamlLines(text) });
    } catch {
      // never throw on odd input: a workflow that cannot be read is skipped
    }
  }
  return found.sort((a, b) => (a.file < b.file ? -1 : 1));
}

function snippet(text: string, line: number): string {
  const raw = (text.split(/\r?\n/)[line - 1] ?? '').trim();
  const masked = raw.replace(/[A-Za-z0-9_\-+/=]{41,}/g, (run) => `${run.slice(0, 4)}…${run.slice(-2)}`);
  return masked.length > 160 ? `${masked.slice(0, 157)}...` : masked;
}

function ev(workflow: Workflow, line: number): Evidence {
  return { file: workflow.file, line, snippet: snippet(workflow.text, line) };
}

const NA_NO_WORKFLOWS: Outcome = { status: 'not-applicable', message: 'No GitHub Actions workflows (.github/workflows/*.yml).', evidence: [] };

/** Node versions a workflow's setup-node steps ask for, matrix values resolved. Used by SMCP-NODE-001. */
export function workflowNodeVersions(project: ProjectView): { file: string; line: number; snippet: string; value: string }[] {
  const out: { file: string; line: number; snippet: string; value: string }[] = [];
  for (const wf of workflows(project)) {
    for (const entry of wf.entries) {
      if (entry.key !== 'node-version') continue;
      // A matrix key's own definition is `node-version: [20, 22]` under strategy.matrix: handled below.
      if (entry.path.includes('matrix')) continue;
      const matrixRef = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(entry.value.trim());
      if (matrixRef) {
        const name = matrixRef[1] ?? '';
        const job = entry.path.slice(0, 2);
        for (const other of wf.entries) {
          if (!other.path.includes('matrix') || other.path.slice(0, 2).join('/') !== job.join('/')) continue;
          if (other.key === name && other.value !== '') {
            for (const value of flowList(other.value)) out.push({ file: wf.file, line: other.line, snippet: snippet(wf.text, other.line), value });
          } else if (other.key === undefined && other.path[other.path.length - 2] === name) {
            out.push({ file: wf.file, line: other.line, snippet: snippet(wf.text, other.line), value: unquote(other.value) });
          } else if (other.key === undefined && other.path[other.path.length - 1] === name) {
            out.push({ file: wf.file, line: other.line, snippet: snippet(wf.text, other.line), value: unquote(other.value) });
          }
        }
        continue;
      }
      if (entry.value !== '' && !entry.value.includes('${{')) {
        for (const value of flowList(entry.value)) out.push({ file: wf.file, line: entry.line, snippet: snippet(wf.text, entry.line), value });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// SMCP-CI-001

const SHA = /^[0-9a-f]{40}$/;

export const pinnedActions: Rule = {
  id: 'SMCP-CI-001',
  title: 'GitHub Actions are pinned to commit SHAs',
  severity: 'high',
  checklist: 'Every third-party action a workflow uses is pinned to a full commit SHA (the tag in a comment), and container actions by digest.',
  owasp: MCP04,
  hint: 'Replace each `owner/action@v1` with `owner/action@<40-hex commit SHA> # v1.2.3` (and docker:// images with @sha256:…); let Dependabot or Renovate keep the pins current.',
  run(project) {
    const found = workflows(project);
    if (found.length === 0) return NA_NO_WORKFLOWS;
    const bad: Evidence[] = [];
    let pinned = 0;
    for (const wf of found) {
      for (const entry of wf.entries) {
        if (entry.key !== 'uses') continue;
        const ref = unquote(entry.value.trim());
        if (ref === '' || ref.startsWith('./')) continue;
        if (ref.startsWith('docker://')) {
          if (/@sha256:[0-9a-f]{64}$/.test(ref)) pinned++;
          else bad.push(ev(wf, entry.line));
          continue;
        }
        const at = ref.lastIndexOf('@');
        if (at > 0 && SHA.test(ref.slice(at + 1))) pinned++;
        else bad.push(ev(wf, entry.line));
      }
    }
    if (bad.length > 0) {
      const names = bad.map((e) => (e.snippet ?? '').replace(/^-?\s*uses:\s*/, '')).slice(0, 3).join(', ');
      return { status: 'fail', message: `${bad.length} action reference${bad.length === 1 ? ' is' : 's are'} not pinned to a commit SHA: ${names}${bad.length > 3 ? ', …' : ''}.`, evidence: bad.slice(0, 5) };
    }
    if (pinned === 0) return { status: 'pass', message: 'The workflows use no third-party actions.', evidence: [] };
    return { status: 'pass', message: `All ${pinned} third-party action reference${pinned === 1 ? ' is' : 's are'} pinned to a full commit SHA.`, evidence: [] };
  },
};

// ---------------------------------------------------------------------------------------------------
// SMCP-CI-002

export const leastPrivilege: Rule = {
  id: 'SMCP-CI-002',
  title: 'Workflow token has least-privilege permissions',
  severity: 'medium',
  checklist: 'Each workflow sets `permissions:` at the top (or on every job), never `write-all`, so the GITHUB_TOKEN can do only what the job needs.',
  owasp: MCP01,
  hint: 'Add `permissions:\\n  contents: read` at the top of the workflow and grant write scopes only on the job that needs them.',
  run(project) {
    const found = workflows(project);
    if (found.length === 0) return NA_NO_WORKFLOWS;
    const problems: Evidence[] = [];
    const messages: string[] = [];
    for (const wf of found) {
      const top = wf.entries.find((e) => e.key === 'permissions' && e.path.length === 1);
      const jobs = wf.entries.filter((e) => e.key !== undefined && e.path.length === 2 && e.path[0] === 'jobs');
      for (const entry of wf.entries) {
        if (entry.key === 'permissions' && (entry.path.length === 1 || (entry.path.length === 3 && entry.path[0] === 'jobs')) && /^write-all$/.test(unquote(entry.value))) {
          problems.push(ev(wf, entry.line));
          messages.push(`${wf.file} grants write-all`);
        }
      }
      if (top === undefined) {
        const without = jobs.filter((job) => !wf.entries.some((e) => e.key === 'permissions' && e.path.length === 3 && e.path[0] === 'jobs' && e.path[1] === job.key));
        if (jobs.length === 0 || without.length > 0) {
          problems.push({ file: wf.file, line: without[0]?.line ?? 1, snippet: without.length > 0 ? `jobs without permissions: ${without.map((j) => j.key).join(', ')}` : 'no top-level permissions' });
          messages.push(`${wf.file} has no top-level permissions`);
        }
      }
    }
    if (problems.length > 0) return { status: 'fail', message: `${messages.slice(0, 3).join('; ')}: the token gets the repository's default (often read-write).`, evidence: problems.slice(0, 5) };
    return { status: 'pass', message: `Every workflow (${found.length}) limits the token's permissions.`, evidence: [] };
  },
};

// ---------------------------------------------------------------------------------------------------
// SMCP-CI-003

const SECRET_EXPR = /\$\{\{[^}]*\b(?:secrets\s*[.[]|toJSON\(\s*secrets\b)/i;
const XTRACE = /(?:^|[\s;&|(])(?:set\s+-[a-wyz]*x[a-z]*\b|set\s+-o\s+xtrace\b|bash\s+-[a-wyz]*x[a-z]*\b|sh\s+-[a-wyz]*x[a-z]*\b)/;
const PRINT = /(?:^|[\s;&|(])(?:echo|printf|print|cat|Write-Host|Write-Output|console\.log)\b/;
const DUMP = /^(?:env|printenv|export\s+-p|set)\s*$/;

export const noSecretsInLogs: Rule = {
  id: 'SMCP-CI-003',
  title: 'Workflows never print or interpolate secrets',
  severity: 'high',
  checklist: 'No `run:` step echoes a secret, traces commands (`set -x`) with secrets in its environment, or pastes `${{ secrets.* }}` into its script; secrets reach scripts through `env:`.',
  owasp: MCP01,
  hint: 'Pass the secret through the step\'s `env:` and use "$NAME" in the script; never echo it, never `set -x` while it is in the environment.',
  run(project) {
    const found = workflows(project);
    if (found.length === 0) return NA_NO_WORKFLOWS;
    const findings: Evidence[] = [];
    const kinds = new Set<string>();
    for (const wf of found) {
      const secretEnv = wf.entries
        .filter((e) => e.key !== undefined && e.path[e.path.length - 2] === 'env' && SECRET_EXPR.test(e.value))
        .map((e) => ({ scope: e.path.slice(0, -2), name: e.key as string }));
      for (const entry of wf.entries) {
        if (entry.key !== 'run') continue;
        const stepScope = entry.path.slice(0, -1);
        const inScope = secretEnv.filter((s) => s.scope.every((segment, i) => stepScope[i] === segment)).map((s) => s.name);
        const lines = entry.block !== undefined ? entry.block : [{ line: entry.line, text: entry.value }];
        for (const { line, text } of lines) {
          const code = text.trim();
          if (code.startsWith('#')) continue;
          if (SECRET_EXPR.test(code)) {
            findings.push(ev(wf, line));
            kinds.add('`${{ secrets.* }}` interpolated into a run script');
            continue;
          }
          if (inScope.length === 0) continue;
          if (XTRACE.test(code)) {
            findings.push(ev(wf, line));
            kinds.add(`command tracing with ${inScope.join(', ')} in the environment`);
            continue;
          }
          if (DUMP.test(code)) {
            findings.push(ev(wf, line));
            kinds.add('the environment (with secrets) printed');
            continue;
          }
          if (PRINT.test(code) && !code.includes('::add-mask::')) {
            const printed = inScope.find((name) => new RegExp(`(?:\\$\\{?${name}\\b|\\$env:${name}\\b|%${name}%|process\\.env\\.${name}\\b)`).test(code));
            const sent = /\|(?!\|)/.test(code) || /(?:^|[^>&0-9])>{1,2}\s*[^&\s]/.test(code);
            if (printed !== undefined && !sent) {
              findings.push(ev(wf, line));
              kinds.add(`${printed} printed to the log`);
            }
          }
        }
      }
    }
    if (findings.length > 0) return { status: 'fail', message: `Secrets can reach the log or a script's text: ${[...kinds].slice(0, 3).join('; ')}.`, evidence: findings.slice(0, 5) };
    return { status: 'pass', message: 'No run step prints, traces or interpolates a secret.', evidence: [] };
  },
};

export const RULES: readonly Rule[] = [pinnedActions, leastPrivilege, noSecretsInLogs];
