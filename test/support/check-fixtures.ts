// Projects for `check`'s tests, rendered in memory: a generated project of any spec (every option
// combination passes check), and copies with one file changed (a fixture that breaks exactly one item).
import { planProject } from '../../src/generate/plan.js';
import { renderPlan } from '../../src/generate/render.js';
import { projectFromFiles } from '../../src/check/project-view.js';
import type { CheckContext, Outcome, ProjectView, Rule } from '../../src/check/types.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';

export const DEFAULT_SPEC: ProjectSpec = Object.freeze({
  name: 'srv',
  transport: 'both',
  auth: 'api-key',
  storage: 'sqlite',
  tools: Object.freeze(['files', 'notes']),
  rateLimitStore: 'memory',
  packageManager: 'npm',
  // Generated on Node >= 22.12 (the maintained lines' column); nodeFloor 20 is tested where it matters.
  nodeFloor: 22,
}) as ProjectSpec;

let counter = 0;
const env = () => ({ generatorVersion: '0.0.0-test', randomBytes: (n: number) => Buffer.alloc(n, ++counter % 200), now: new Date(0) });

/** Path → content of a project generated from `spec` (nothing written to disk). */
export async function renderedFiles(spec: Partial<ProjectSpec> = {}): Promise<Map<string, Buffer>> {
  const full = { ...DEFAULT_SPEC, ...spec } as ProjectSpec;
  const plan = await planProject(full, { install: false, git: false }, env());
  const files = await renderPlan(plan, full, '0.0.0-test');
  return new Map(files.map((f) => [f.path, f.content]));
}

/** A copy of `files` with each given path set to new content (a string), or removed (null). */
export function changed(files: ReadonlyMap<string, Buffer>, edits: Record<string, string | null | ((text: string) => string)>): Map<string, Buffer> {
  const copy = new Map(files);
  for (const [file, edit] of Object.entries(edits)) {
    if (edit === null) copy.delete(file);
    else if (typeof edit === 'function') {
      const before = copy.get(file);
      if (before === undefined) throw new Error(`fixture: ${file} is not in the project`);
      const after = edit(before.toString('utf8'));
      if (after === before.toString('utf8')) throw new Error(`fixture: the edit of ${file} changed nothing`);
      copy.set(file, Buffer.from(after));
    } else copy.set(file, Buffer.from(edit));
  }
  return copy;
}

export function view(files: ReadonlyMap<string, Buffer | string>): ProjectView {
  return projectFromFiles(files);
}

/** A context for in-memory runs: offline, no key, no commands. */
export function offlineContext(overrides: Partial<CheckContext> = {}): CheckContext {
  return { now: new Date('2026-12-02T00:00:00Z'), offline: true, auditKey: undefined, ...overrides };
}

export async function outcome(rule: Rule, files: ReadonlyMap<string, Buffer | string>, context: CheckContext = offlineContext()): Promise<Outcome> {
  return rule.run(view(files), context);
}

/** The rule with this id among `rules` (a test that names a missing id fails loudly). */
export function ruleById(rules: readonly Rule[], id: string): Rule {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

/** Every rule's outcome on one view of the project (as the runner does: per-file caches are shared). */
export async function outcomesOf(rules: readonly Rule[], files: ReadonlyMap<string, Buffer | string>, context: CheckContext = offlineContext()): Promise<Map<string, Outcome>> {
  const project = view(files);
  const out = new Map<string, Outcome>();
  for (const r of rules) out.set(r.id, await r.run(project, context));
  return out;
}

/** Ids of the rules that fail on the project. */
export async function failingIds(rules: readonly Rule[], files: ReadonlyMap<string, Buffer | string>, context: CheckContext = offlineContext()): Promise<string[]> {
  return [...(await outcomesOf(rules, files, context))].filter(([, o]) => o.status === 'fail').map(([id]) => id);
}

/** Renders each labelled spec once; `get(label)` returns its files (an unknown label fails loudly). */
export async function renderedSpecs(specs: Readonly<Record<string, Partial<ProjectSpec>>>): Promise<{ get(label: string): Map<string, Buffer>; set(label: string, files: Map<string, Buffer>): void }> {
  const rendered = new Map<string, Map<string, Buffer>>();
  for (const [label, spec] of Object.entries(specs)) rendered.set(label, await renderedFiles(spec));
  return {
    get(label) {
      const files = rendered.get(label);
      if (!files) throw new Error(`not rendered: ${label}`);
      return files;
    },
    set: (label, files) => void rendered.set(label, files),
  };
}

/** One project per package manager, plus the widest HTTP combination (rules that read lockfiles, CI and scripts). */
export const PACKAGE_MANAGER_SPECS: Readonly<Record<string, Partial<ProjectSpec>>> = {
  default: {},
  pnpm: { packageManager: 'pnpm' },
  yarn: { packageManager: 'yarn' },
  bun: { packageManager: 'bun' },
  'http+oauth+postgres+redis': { transport: 'http', auth: 'oauth', storage: 'postgres', rateLimitStore: 'redis' },
};

/** The default project, a stdio files-only one, and every feature at once (rules that read source code). */
export const FEATURE_SPECS: Readonly<Record<string, Partial<ProjectSpec>>> = {
  default: {},
  stdio: { transport: 'stdio', storage: 'none', tools: ['files'] },
  full: { transport: 'http', auth: 'oauth', tools: ['files', 'notes', 'fetch'], storage: 'postgres', rateLimitStore: 'redis' },
};
